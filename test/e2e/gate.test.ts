// The static-linkage gate on a real engine: what passes, what fails (with the manifest snippet
// and no image), the glibc NSS hazard and its opt-out warning, and the cost on a 50 MB binary.
import { existsSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { connectDocker } from "../../src/engine/docker.js";
import { runImage } from "../../src/engine/image-contents.js";
import { craftElf, EM } from "../unit/fixtures/elf/craft.js";
import {
  buildx,
  context,
  HELLO_C,
  imageExists,
  manifest,
  suiteProblem,
  TOOLCHAIN,
  tagger,
} from "./engine.js";

const problem = suiteProblem();

const DAEMON_LOG = "/var/log/scratchkit-dockerd.log";
const GAI_C =
  '#include <netdb.h>\n#include <stdio.h>\nint main(void) { struct addrinfo *r; int e = getaddrinfo("localhost", 0, 0, &r); printf("gai %d\\n", e); return 0; }\n';

const docker = connectDocker();
const { tag, cleanup } = tagger("gate-");

/** Build a one-artifact manifest on the offline toolchain image. */
function build(name: string, run: string, artifact: string[], files: Record<string, string> = {}) {
  const t = tag(name);
  const dir = context({
    ...files,
    "scratchkit.yaml": manifest(
      "build:",
      `  image: ${TOOLCHAIN}`,
      "  package-manager: none",
      `  run: ${run}`,
      "artifacts:",
      ...artifact,
    ),
  });
  return { t, r: buildx(["-f", "scratchkit.yaml", "-t", t, "--load", "."], dir) };
}

describe.skipIf(problem !== undefined)("the static-linkage gate on a real engine", () => {
  afterAll(cleanup);

  it("passes a glibc static-pie program, which runs in the scratch image", async () => {
    const { t, r } = build(
      "static-pie",
      "gcc -static-pie -fPIE -O2 -s -o /out/hello hello.c",
      ["  - hello"],
      {
        "hello.c": HELLO_C,
      },
    );
    expect(r.code, r.output).toBe(0);
    const run = await runImage(docker, t);
    expect([run.code, run.stdout]).toEqual([0, "hello\n"]);
  });

  it("passes a musl static program using getaddrinfo (musl has no NSS: no scan, no warning)", async () => {
    const { t, r } = build("musl-gai", "musl-gcc -static -O2 -s -o /out/gai gai.c", ["  - gai"], {
      "gai.c": GAI_C,
    });
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toMatch(/uses NSS/);
    expect((await runImage(docker, t)).code).toBe(0);
  });

  it("fails a glibc -static program calling getaddrinfo, explaining NSS and the musl fix", () => {
    const { t, r } = build("glibc-gai", "gcc -static -O2 -s -o /out/gai gai.c", ["  - gai"], {
      "gai.c": GAI_C,
    });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("/out/gai is statically linked against glibc but uses NSS");
    expect(r.output).toContain("getaddrinfo()");
    expect(r.output).toContain("link against musl instead: musl-gcc -static, or build on Alpine");
    expect(r.output).toContain("so those calls fail there; link against musl instead"); // one sentence, no ".;"
    expect(r.output).toContain("allow-dlopen: true");
    expect(r.output).toContain(">>>   - gai"); // the manifest snippet
    expect(r.output).not.toMatch(/\n\s+at .*\.(c?js|ts):\d+/);
    expect(imageExists(t)).toBe(false);
  });

  it("passes it with allow-dlopen: true, with a warning in the buildx output", () => {
    const { t, r } = build(
      "glibc-gai-allowed",
      "gcc -static -O2 -s -o /out/gai gai.c",
      ["  - path: gai", "    allow-dlopen: true"],
      { "gai.c": GAI_C },
    );
    expect(r.code, r.output).toBe(0);
    expect(imageExists(t)).toBe(true);
    expect(r.output).toMatch(/\/out\/gai is statically linked against glibc but uses NSS/);
    console.info(`allow-dlopen warning as buildx prints it:\n${warningLines(r.output)}`);
  });

  it("warns about an unstripped binary with the saving", () => {
    const { r } = build("unstripped", "gcc -static -O2 -o /out/hello hello.c", ["  - hello"], {
      "hello.c": HELLO_C,
    });
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/\/out\/hello is not stripped: stripping saves about \d+ KiB/);
  });

  it("fails a foreign-architecture artifact, naming both architectures", () => {
    const arm64 = Buffer.from(craftElf({ elfClass: 64, le: true, machine: EM.AARCH64 }).bytes).toString(
      "base64",
    );
    const { t, r } = build("foreign", "base64 -d app.b64 > /out/app && chmod +x /out/app", ["  - app"], {
      "app.b64": `${arm64}\n`,
    });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("/out/app is built for arm64, but the target platform is amd64");
    expect(r.output).toContain("build for the target platform");
    expect(imageExists(t)).toBe(false);
  });

  it("fails a shell script artifact, naming its interpreter", () => {
    const { t, r } = build("script", "cp run.sh /out/run.sh && chmod +x /out/run.sh", ["  - run.sh"], {
      "run.sh": "#!/bin/sh\necho hi\n",
    });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("/out/run.sh is a script for /bin/sh, which a scratch image does not have");
    expect(r.output).toContain(">>>   - run.sh");
    expect(imageExists(t)).toBe(false);
  });

  it("verifies a 50 MB static binary reading at most 64 KiB for the verdict (measured in the frontend)", () => {
    const big =
      "char big[50 << 20] = {1};\nint main(int c, char **v) { (void)v; return big[c * 4096] - 1; }\n";
    const { r } = build(
      "big50",
      "gcc -static -O1 -s -o /out/big50 big.c && ls -l /out/big50",
      ["  - big50"],
      {
        "big.c": big,
      },
    );
    expect(r.code, r.output).toBe(0);
    if (!existsSync(DAEMON_LOG)) return console.warn(`${DAEMON_LOG} missing: no in-frontend figures`);
    const lines = readFileSync(DAEMON_LOG, "utf8")
      .split("\n")
      .filter((l) => l.includes('"msg":"verified"') && l.includes('"artifact":"big50"'));
    const last = JSON.parse(lines.at(-1) ?? "{}") as Record<string, number | undefined>;
    console.info(
      `[gate] 50 MB static in the frontend: verdict ${last.verdictBytes} bytes in ${last.verdictMs} ms; ` +
        `NSS scan ${last.nssScanBytes} bytes; total ${last.bytesRead} bytes in ${last.ms} ms`,
    );
    expect(last.verdictBytes).toBeLessThanOrEqual(65536);
    // the scan covers only the read-only segments (code + rodata), not the 50 MB .data
    expect(last.nssScanBytes).toBeLessThan(2 << 20);
  });
});

function warningLines(output: string): string {
  return output
    .split("\n")
    .filter((l) => /warning/i.test(l) || l.includes("uses NSS"))
    .slice(0, 12)
    .join("\n");
}
