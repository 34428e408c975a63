// Bad input the frontend stops before building, on a real engine: an oversized manifest, a
// data file the context does not hold, a build image that cannot be resolved, and a
// --build-arg the manifest does not declare (a warning; the build goes on).
import { statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_MANIFEST_BYTES } from "../../src/frontend/read-manifest.js";
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
const { tag, cleanup } = tagger("fe-errors-");

/** The compile step as buildx names it; it must never show up when the frontend fails first. */
const COMPILE = "[build 1/1]";
const HEAD = [
  "build:",
  `  image: ${TOOLCHAIN}`,
  "  package-manager: none",
  // The sleep makes the compile visibly slower than anything that fails before it.
  "  run: sleep 3 && musl-gcc -static -Os -s -o /out/hello hello.c",
  "artifacts: [hello]",
];

const mib = (bytes: number) => `${Math.ceil((bytes / (1 << 20)) * 10) / 10} MiB`;

describe.skipIf(problem !== undefined)("bad input the frontend stops before building", () => {
  afterAll(cleanup);

  it("fails an oversized manifest with its size and the limit, not a transport error", () => {
    for (const size of [2 << 20, 17 << 20]) {
      const t = tag(`big-${size >> 20}`);
      const head = manifest(...HEAD, "image:", "  labels:");
      const line = "    # a comment line to make the manifest large ....................\n";
      const dir = context({
        "hello.c": HELLO_C,
        "scratchkit.yaml": head + line.repeat(Math.ceil((size - head.length) / line.length)),
      });
      const bytes = statSync(join(dir, "scratchkit.yaml")).size;
      const r = buildx(["-f", "scratchkit.yaml", "-t", t, "--load", "."], dir);
      expect(r.code, r.output).not.toBe(0);
      expect(r.output).toContain(`scratchkit.yaml is ${mib(bytes)}; the limit is ${mib(MAX_MANIFEST_BYTES)}`);
      expect(r.output).not.toContain("COMPRESSION_ERROR");
      expect(r.output).not.toContain(COMPILE);
      expect(imageExists(t)).toBe(false);
    }
  });

  it("fails a data file missing from the context before the compile runs, at the data line", () => {
    const t = tag("missing-data");
    const files = {
      "hello.c": HELLO_C,
      "config.txt": "x\n",
      "scratchkit.yaml": manifest(...HEAD, "data: [conf.txt]"),
    };
    const r = buildx(["-f", "scratchkit.yaml", "-t", t, "--load", "."], context(files));
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toContain(
      "scratchkit.yaml:7:8: data: conf.txt is not in the build context; its top level has config.txt, hello.c; did you mean config.txt?",
    );
    expect(r.output).toMatch(/7 \| >>> data: \[conf\.txt\]/);
    expect(r.output).not.toContain("failed to compute cache key");
    expect(r.output).not.toContain(COMPILE);
    expect(imageExists(t)).toBe(false);

    // The same manifest with the file there builds, compile and all: what the check saves.
    const ok = tag("data-present");
    const full = buildx(
      ["--no-cache", "-f", "scratchkit.yaml", "-t", ok, "--load", "."],
      context({ ...files, "conf.txt": "y\n" }),
    );
    expect(full.code, full.output).toBe(0);
    expect(full.output).toContain(COMPILE);
    console.log(
      `missing data failed after ${Math.round(r.ms)} ms; the full build took ${Math.round(full.ms)} ms`,
    );
  });

  it("counts a data file that .dockerignore leaves out as missing", () => {
    const t = tag("ignored-data");
    const dir = context({
      "hello.c": HELLO_C,
      "config.txt": "x\n",
      ".dockerignore": "config.txt\n",
      "scratchkit.yaml": manifest(...HEAD, "data:", "  - {src: config.txt, mode: '0444'}"),
    });
    const r = buildx(["-f", "scratchkit.yaml", "-t", t, "--load", "."], dir);
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toContain(
      "scratchkit.yaml:8:5: data: config.txt is not in the build context (after .dockerignore and build.context); its top level has .dockerignore, hello.c",
    );
    expect(r.output).not.toContain(COMPILE);
    expect(imageExists(t)).toBe(false);
  });

  it("points an unresolvable build image at build.image, naming the image and the platform", () => {
    const cases = [
      // The toolchain is an index for linux/amd64 and linux/arm64 only.
      { name: "s390x", image: TOOLCHAIN, args: ["--platform", "linux/s390x"], platform: "linux/s390x" },
      { name: "no-such-image", image: "scratchkit/no-such-image:1", args: [], platform: "linux/amd64" },
    ];
    for (const c of cases) {
      const t = tag(c.name);
      const dir = context({
        "hello.c": HELLO_C,
        "scratchkit.yaml": manifest(
          ...HEAD.map((l) => (l.startsWith("  image:") ? `  image: ${c.image}` : l)),
        ),
      });
      const r = buildx([...c.args, "-f", "scratchkit.yaml", "-t", t, "--load", "."], dir);
      expect(r.code, r.output).not.toBe(0);
      expect(r.output).toContain(
        `scratchkit.yaml:3:10: build.image: cannot resolve ${c.image} (docker.io/${c.image}) for ${c.platform}: `,
      );
      // buildx marks build.image's line, not the # syntax= line.
      expect(r.output).toMatch(/3 \| >>>\s+image: /);
      expect(r.output).not.toMatch(/1 \| >>> # syntax=/);
      expect(r.output).not.toContain(COMPILE);
      expect(imageExists(t)).toBe(false);
    }
  });

  it("warns about a --build-arg the manifest does not declare, and builds", () => {
    const t = tag("undeclared-arg");
    const dir = context({
      "hello.c": HELLO_C,
      "scratchkit.yaml": manifest(...HEAD, "args:", "  VERSION: '1.0'"),
    });
    const r = buildx(
      [
        "--build-arg",
        "VERSON=2",
        "--build-arg",
        "VERSION=1.1",
        "--build-arg",
        "HTTP_PROXY=http://127.0.0.1:9",
        "--build-arg",
        "BUILDKIT_INLINE_CACHE=1",
        "--build-arg",
        "SOURCE_DATE_EPOCH=0",
        "-f",
        "scratchkit.yaml",
        "-t",
        t,
        "--load",
        ".",
      ],
      dir,
    );
    expect(r.code, r.output).toBe(0);
    const warnings = r.output.split("\n").filter((l) => l.includes("were not consumed"));
    expect(warnings, r.output).toEqual([
      " - One or more build-args [VERSON] were not consumed: scratchkit.yaml does not declare it under args (did you mean VERSION for VERSON?)",
    ]);
    expect(imageExists(t)).toBe(true);
  });
});
