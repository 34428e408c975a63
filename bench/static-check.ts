// 6. Static check: bytes read and time of the ELF gate on a 50 MB static binary, in-process.
import { execFileSync } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspectFile } from "../src/elf/file-source.js";
import { median, round, type Section, tempDir } from "./lib.js";

const BUDGET = 65536;

export async function staticCheck(): Promise<Section> {
  const dir = tempDir("elf");
  writeFileSync(join(dir, "big.c"), "int main(void) { return 0; }\n");
  execFileSync("gcc", ["-static", "-Os", "-o", join(dir, "small"), join(dir, "big.c")]);
  // 50 MiB of random bytes in their own section: a big file whose headers sit at both ends.
  execFileSync("sh", ["-c", `head -c ${50 << 20} /dev/urandom > ${join(dir, "blob")}`]);
  execFileSync("objcopy", [
    "--add-section",
    `.bench_blob=${join(dir, "blob")}`,
    "--set-section-flags",
    ".bench_blob=noload,readonly",
    join(dir, "small"),
    join(dir, "big"),
  ]);
  const path = join(dir, "big");
  const size = statSync(path).size;
  const ms: number[] = [];
  let report = await inspectFile(path, { platform: { os: "linux", architecture: "amd64" } });
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    report = await inspectFile(path, { platform: { os: "linux", architecture: "amd64" } });
    ms.push(performance.now() - t);
  }
  execFileSync("rm", ["-rf", dir]);
  return {
    rows: [
      { section: "static check", metric: "binary size", value: size, unit: "B" },
      { section: "static check", metric: "verdict", value: report.verdict.kind },
      {
        section: "static check",
        metric: "bytes read",
        value: report.bytesRead,
        unit: "B",
        target: `<= ${BUDGET}`,
        met: report.bytesRead <= BUDGET,
      },
      { section: "static check", metric: "time (median of 20)", value: round(median(ms), 3), unit: "ms" },
    ],
    details: { size, report, ms: ms.map((x) => round(x, 3)) },
  };
}
