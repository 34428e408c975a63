// --build-context NAME=docker-image://REF replaces the build image the manifest names, as it
// replaces a Dockerfile's FROM: an Alpine-default manifest builds offline on the toolchain.
import { afterAll, describe, expect, it } from "vitest";
import { buildx, context, docker, HELLO_C, manifest, suiteProblem, TOOLCHAIN, tagger } from "./engine.js";

const problem = suiteProblem();
const { tag, cleanup } = tagger("named-");

// No build.image: the default, alpine:3.22, which no registry here serves.
const ALPINE_DEFAULT = manifest(
  "name: hello",
  "build:",
  "  package-manager: none",
  "  run: musl-gcc -static -Os -s -o /out/hello hello.c",
  "artifacts: [hello]",
);

describe.skipIf(problem !== undefined)("named contexts on a real engine", () => {
  afterAll(cleanup);
  const dir = context({ "scratchkit.yaml": ALPINE_DEFAULT, "hello.c": HELLO_C });

  it("builds an Alpine-default manifest offline with alpine:3.22 replaced by the toolchain image", () => {
    const t = tag("alpine");
    const r = buildx(
      [
        "-f",
        "scratchkit.yaml",
        "--build-context",
        `alpine:3.22=docker-image://${TOOLCHAIN}`,
        "-t",
        t,
        "--load",
        ".",
      ],
      dir,
    );
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toContain("does not support --build-context");
    expect(docker(["run", "--rm", t]).trim()).toBe("hello");
    const labels = JSON.parse(docker(["image", "inspect", "-f", "{{json .Config.Labels}}", t])) as Record<
      string,
      string
    >;
    expect(labels["org.opencontainers.image.base.name"]).toBe(`docker.io/${TOOLCHAIN}`);
  });

  it("without the named context the same manifest needs alpine:3.22 (unreachable offline)", () => {
    const r = buildx(["-f", "scratchkit.yaml", "."], dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("alpine:3.22");
  });

  it("refuses a non-image source for the build image, at the manifest line", () => {
    const r = buildx(["-f", "scratchkit.yaml", "--build-context", `alpine:3.22=${dir}`, "."], dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("only docker-image://REF can replace the build image");
  });

  it("--call outline lists the names a named context can replace (the build image)", () => {
    const r = buildx(["--call", "outline,format=json", "-f", "scratchkit.yaml", "."], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/"contexts": \[\s*\{\s*"name": "alpine:3\.22"/);
  });
});
