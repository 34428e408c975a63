// 6. Static check: bytes read and time of the ELF gate on a 50 MB static binary, in-process; and
// the glibc NSS scan's bytes on 50 MB glibc-static programs without NSS (its bound, issue 13).
import { execFileSync } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileSource, inspectFile } from "../src/elf/file-source.js";
import { HAZARD_BUDGET, scanGlibcHazard } from "../src/elf/index.js";
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
  const scans = await nssScans(dir);
  execFileSync("rm", ["-rf", dir]);
  const nssScanMaxBytes = Math.max(...Object.values(scans).map((s) => s.bytesRead));
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
      {
        section: "static check",
        metric: "NSS scan, largest read of 50 MB glibc-static programs",
        value: nssScanMaxBytes,
        unit: "B",
        target: `<= ${HAZARD_BUDGET}`,
        met: nssScanMaxBytes <= HAZARD_BUDGET && Object.values(scans).every((s) => s.complete && s.nss === 0),
        note: Object.entries(scans)
          .map(([k, s]) => `${k}: ${s.bytesRead} B${s.complete ? "" : " (incomplete)"}`)
          .join(", "),
      },
    ],
    details: { size, report, ms: ms.map((x) => round(x, 3)), nssScans: scans, nssScanMaxBytes },
  };
}

/** 50 MB of constants (.rodata), of data (.data) and of a non-loaded section, each beside puts(). */
async function nssScans(
  dir: string,
): Promise<Record<string, { bytesRead: number; complete: boolean; nss: number }>> {
  const prog = (decl: string) =>
    `#include <stdio.h>\n${decl}\nint main(int c, char **v) { (void)v; return puts("hi") + big[c * 4096]; }\n`;
  const cases: Record<string, string> = {
    rodata: "const char big[50 << 20] = {1};",
    data: "char big[50 << 20] = {1};",
  };
  const out: Record<string, { bytesRead: number; complete: boolean; nss: number }> = {};
  const scan = async (name: string, path: string) => {
    const src = await fileSource(path);
    try {
      const h = await scanGlibcHazard(src);
      out[name] = { bytesRead: h.bytesRead, complete: h.complete, nss: h.nss.length };
    } finally {
      await src.close();
    }
  };
  for (const [name, decl] of Object.entries(cases)) {
    writeFileSync(join(dir, `${name}.c`), prog(decl));
    execFileSync("gcc", ["-static", "-O1", "-o", join(dir, name), join(dir, `${name}.c`)]);
    await scan(name, join(dir, name));
  }
  execFileSync("gcc", ["-static", "-O1", "-o", join(dir, "glibc-small"), join(dir, "big.c")]);
  execFileSync("objcopy", [
    "--add-section",
    `.bench_blob=${join(dir, "blob")}`,
    join(dir, "glibc-small"),
    join(dir, "glibc-blob"),
  ]);
  await scan("non-loaded section", join(dir, "glibc-blob"));
  return out;
}
