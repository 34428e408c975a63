// Bad manifests on the real engine: buildx prints `scratchkit.yaml:line:col: ...` from the
// parser or the plan, before anything runs, and no image is tagged.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  buildx,
  context,
  docker,
  HELLO_C,
  imageExists,
  manifest,
  suiteProblem,
  TOOLCHAIN,
  tagger,
} from "./engine.js";

const problem = suiteProblem();
const { tag, cleanup } = tagger("manifest-errors-");

/** A manifest that builds hello.c on the offline toolchain, with `extra` lines after it. */
const hello = (...extra: string[]) =>
  manifest(
    "build:",
    `  image: ${TOOLCHAIN}`,
    "  package-manager: none",
    "  run: musl-gcc -static -Os -s -o /out/hello hello.c",
    "artifacts: [hello]",
    ...extra,
  );

/** Builds `text` as scratchkit.yaml and expects it refused with `expected`, no stack trace, no image. */
function refused(name: string, text: string | Buffer, expected: string, extraArgs: string[] = []): string {
  const t = tag(name);
  const dir = context({ "hello.c": HELLO_C, "token.txt": "s3cret\n" });
  writeFileSync(join(dir, "scratchkit.yaml"), text);
  const r = buildx(["-f", "scratchkit.yaml", ...extraArgs, "-t", t, "--load", "."], dir);
  expect(r.code, r.output).not.toBe(0);
  expect(r.output).toContain(expected);
  expect(r.output).not.toMatch(/\n\s+at .*\.(c?js|ts):\d+/);
  // Refused before the build ran: no command of the manifest started.
  expect(r.output).not.toContain("[build 1/1]");
  expect(imageExists(t)).toBe(false);
  return r.output;
}

describe.skipIf(problem !== undefined)("manifest errors on a real engine", () => {
  afterAll(cleanup);

  it("refuses a bad port at its line and column", () => {
    refused(
      "port",
      hello("image:", "  ports: [8080, 70000]"),
      'scratchkit.yaml:8:17: image.ports[1]: "70000" is not a port like 8080 or 53/udp (1-65535, tcp, udp or sctp)',
    );
  });

  it("refuses a bad build.image reference at build.image, with the LLB's reference parser", () => {
    const out = refused(
      "ref",
      manifest(
        "build:",
        "  image: scratchkit/toolchain::bookworm",
        "  package-manager: none",
        "  run: musl-gcc -static -o /out/hello hello.c",
        "artifacts: [hello]",
      ),
      'scratchkit.yaml:3:10: build.image: invalid image reference "scratchkit/toolchain::bookworm"',
    );
    // Not resolved at all: the error is the parser's, not a registry's.
    expect(out).not.toContain("load metadata for");
  });

  it("refuses a secret mounted twice (build.secrets and a step) at the step's line", () => {
    refused(
      "secrets",
      manifest(
        "build:",
        `  image: ${TOOLCHAIN}`,
        "  package-manager: none",
        "  secrets: [token]",
        "  run:",
        "    - run: musl-gcc -static -o /out/hello hello.c",
        "      secrets: [token]",
        "artifacts: [hello]",
      ),
      "scratchkit.yaml:8:17: secret token: /run/secrets/token is already mounted for this command by secret token (line 5)",
      ["--secret", "id=token,src=token.txt"],
    );
  });

  it("refuses a secret whose target is under /out (it would ship the empty mount stub)", () => {
    refused(
      "secret-out",
      manifest(
        "build:",
        `  image: ${TOOLCHAIN}`,
        "  package-manager: none",
        "  secrets: [{id: token, target: /out/token}]",
        "  run: musl-gcc -static -o /out/hello hello.c",
        "artifacts: [hello, token]",
      ),
      "scratchkit.yaml:5:33: secret token: /out/token is inside /out, the output directory (it would ship as an empty file)",
      ["--secret", "id=token,src=token.txt"],
    );
  });

  it("suggests image.entrypoint for a typo'd top-level key", () => {
    refused(
      "typo",
      hello("entrypiont: [/hello]"),
      "scratchkit.yaml:7:1: unknown key entrypiont; did you mean image.entrypoint?",
    );
  });

  it("refuses invalid UTF-8 with its byte offset instead of replacing it", () => {
    const text = Buffer.from(hello("image:", "  labels: {note: caf?}"));
    const offset = text.indexOf("caf?") + 3;
    text[offset] = 0xe9; // Latin-1 é, as an editor set to ISO-8859-1 would save it
    refused(
      "utf8",
      text,
      `scratchkit.yaml:8:21: invalid UTF-8 at byte offset ${offset} (0xe9); save the manifest as UTF-8`,
    );
  });

  it("still builds image config Docker accepts, written the way Docker writes it", () => {
    const t = tag("config");
    const dir = context({
      "hello.c": HELLO_C,
      "scratchkit.yaml": hello(
        "image:",
        "  ports: [8080, 53/udp]",
        "  volumes: [/data/]",
        "  stop-signal: term",
        "  user: 65532:65532",
      ),
    });
    const r = buildx(["-f", "scratchkit.yaml", "-t", t, "--load", "."], dir);
    expect(r.code, r.output).toBe(0);
    const config = JSON.parse(docker(["image", "inspect", "--format", "{{json .Config}}", t]));
    expect(Object.keys(config.ExposedPorts).sort()).toEqual(["53/udp", "8080/tcp"]);
    expect(Object.keys(config.Volumes)).toEqual(["/data"]);
    expect(config.StopSignal).toBe("SIGTERM");
    expect(config.User).toBe("65532:65532");
  });
});
