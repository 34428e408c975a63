// Cross vs emulated builds for another platform: where the build stage runs and what the
// preset's toolchain is told (build.cross and the presets' defaults).
import { describe, expect, it } from "vitest";
import { parseManifest } from "../../src/manifest/index.js";
import { planBuild } from "../../src/plan/plan.js";

const AMD64 = { os: "linux", architecture: "amd64" };
const ARM64 = { os: "linux", architecture: "arm64" };
const envOf = (env: string[]) =>
  new Map(env.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));

function plan(yaml: string, target = ARM64) {
  return planBuild(parseManifest(yaml, "scratchkit.yaml"), { platform: target, buildPlatform: AMD64 });
}

describe("build.cross", () => {
  it("go cross-compiles by default: the stage runs on the build platform with GOOS/GOARCH for the target", () => {
    const p = plan(
      "name: hello\npreset: go\nbuild:\n  image: scratchkit/go:bookworm\n  package-manager: none\n",
    );
    expect(p.stagePlatform).toEqual(AMD64);
    expect(p.platform).toEqual(ARM64);
    const env = envOf(p.env);
    expect(env.get("GOOS")).toBe("linux");
    expect(env.get("GOARCH")).toBe("arm64");
    expect(env.get("TARGETARCH")).toBe("arm64");
    expect(env.get("BUILDARCH")).toBe("amd64");
  });

  it("build.cross: false runs the target's variant of the build image (emulated) with the native recipe", () => {
    const p = plan(
      "name: hello\npreset: go\nbuild:\n  image: scratchkit/go:bookworm\n  package-manager: none\n  cross: false\n",
    );
    expect(p.stagePlatform).toEqual(ARM64);
    expect(envOf(p.env).has("GOARCH")).toBe(false);
  });

  it("sets nothing cross when the target is the build platform", () => {
    const p = plan(
      "name: hello\npreset: go\nbuild:\n  image: scratchkit/go:bookworm\n  package-manager: none\n",
      AMD64,
    );
    expect(p.stagePlatform).toEqual(AMD64);
    expect(envOf(p.env).has("GOARCH")).toBe(false);
  });

  it("c emulates by default; cross uses the musl cross compiler and refuses clearly when the image lacks it", () => {
    const base =
      "name: hello\npreset: c\nbuild:\n  image: scratchkit/toolchain:bookworm\n  package-manager: none\n";
    expect(plan(base).stagePlatform).toEqual(ARM64);
    const p = plan(`${base}  cross: true\n`);
    expect(p.stagePlatform).toEqual(AMD64);
    expect(envOf(p.env).get("CC")).toBe("aarch64-linux-musl-gcc");
    expect(p.steps[0]?.args[2]).toContain(
      "build.cross: the build image has no musl cross compiler aarch64-linux-musl-gcc for linux/arm64",
    );
    expect(p.steps[0]?.args[2]).toContain("build.cross: false");
  });

  it("rust and zig are told the target as their presets read it", () => {
    const rust = plan("name: hello\npreset: rust\nbuild:\n  image: x/rust:1\n  package-manager: none\n");
    expect(envOf(rust.env).get("CARGO_BUILD_TARGET")).toBe("aarch64-unknown-linux-musl");
    expect(rust.steps.at(-1)?.args[2]).toContain("${CARGO_BUILD_TARGET:+$CARGO_BUILD_TARGET/}release/hello");
    const zig = plan("name: hello\npreset: zig\nbuild:\n  image: alpine:3.22\n");
    expect(envOf(zig.env).get("ZIG_TARGET")).toBe("aarch64-linux-musl");
  });

  it("a preset that cannot target the platform fails at build.cross", () => {
    const yaml =
      "name: hello\npreset: rust\nbuild:\n  image: x/rust:1\n  package-manager: none\n  cross: true\n";
    expect(() => plan(yaml, { os: "linux", architecture: "mips64" })).toThrow(
      "build.cross: the rust preset has no musl target for linux/mips64; build under emulation with build.cross: false",
    );
  });

  it("build.cross must be a boolean", () => {
    expect(() =>
      parseManifest(
        "build:\n  image: alpine:3.22\n  run: true\n  cross: yes-please\nartifacts: [x]\n",
        "scratchkit.yaml",
      ),
    ).toThrow(/scratchkit\.yaml:4:\d+: build\.cross: expected true or false/);
  });
});
