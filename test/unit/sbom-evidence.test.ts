import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readGoBuildInfo } from "../../src/elf/go-buildinfo.js";
import { gatherSbomEvidence } from "../../src/frontend/sbom-evidence.js";
import type { Ref } from "../../src/gateway/frontend-client.js";
import { goModules } from "../../src/sbom/go-modules.js";
import { parseDpkgStatus, parseOsRelease } from "../../src/sbom/package-db.js";
import { MemoryRef } from "./fixtures/memory-client.js";

// Recorded from scratchkit/toolchain:bookworm and scratchkit/go:bookworm (go1.19.8).
const fixture = (name: string) => readFileSync(new URL(`fixtures/sbom/${name}`, import.meta.url));
const dpkgStatus = fixture("dpkg-status.bookworm").toString();
const goBinary = () => new Uint8Array(gunzipSync(fixture("go-hi.amd64.gz")));

describe("package databases (recorded bookworm)", () => {
  it("parses dpkg status into packages with deb purls", () => {
    const pkgs = parseDpkgStatus(dpkgStatus, parseOsRelease(fixture("os-release.bookworm").toString()));
    expect(pkgs.map((p) => p.name).sort()).toEqual([
      "base-files",
      "gcc-12",
      "libc6",
      "libc6-dev",
      "musl",
      "musl-dev",
      "musl-tools",
      "tzdata",
    ]);
    expect(pkgs.find((p) => p.name === "musl-dev")?.purl).toMatch(
      /^pkg:deb\/debian\/musl-dev@1\.2\.3-1\?arch=amd64/,
    );
  });
});

describe("Go build info", () => {
  it("reads the inline build info of a real go1.19 binary", async () => {
    const info = await readGoBuildInfo(goBinary());
    expect(info?.goVersion).toBe("go1.19.8");
    expect(info?.modInfo.split("\n")[0]).toBe("path\texample.com/hi");
    expect(goModules(info ?? { goVersion: "", modInfo: "" })).toEqual([
      {
        ecosystem: "golang",
        name: "example.com/hi",
        version: "(devel)",
        purl: "pkg:golang/example.com/hi@%28devel%29",
      },
      {
        ecosystem: "golang",
        name: "example.com/dep",
        version: "(devel)",
        purl: "pkg:golang/example.com/dep@%28devel%29",
      },
      { ecosystem: "golang", name: "stdlib", version: "go1.19.8", purl: "pkg:golang/stdlib@go1.19.8" },
    ]);
  });

  it("finds nothing in a non-Go file", async () => {
    expect(await readGoBuildInfo(new TextEncoder().encode("#!/bin/sh\n"))).toBeUndefined();
  });
});

describe("gatherSbomEvidence with a Go artifact", () => {
  // The recorded fake: a missing file answers as BuildKit does (code 2, "open …: no such file").
  const ref = (files: Record<string, Uint8Array | string>): Ref => new MemoryRef("r", files);

  it("gives the Go binary its modules and a C artifact its possible contributors", async () => {
    const ev = await gatherSbomEvidence({
      buildImage: { name: "docker.io/scratchkit/go:bookworm" },
      buildRoot: ref({
        "/etc/os-release": fixture("os-release.bookworm").toString(),
        "/var/lib/dpkg/status": dpkgStatus,
      }),
      // What src/frontend/sbom.ts found reading the image: build info for /hi only.
      goBuildInfo: new Map([["/hi", (await readGoBuildInfo(goBinary())) ?? { goVersion: "", modInfo: "" }]]),
      artifacts: [
        { image: "/hi", built: "/out/hi" },
        { image: "/hello", built: "/out/hello" },
      ],
    });
    expect(ev.links[0]?.evidence).toBe("go-buildinfo");
    expect(ev.links[0]?.modules.map((m) => m.purl)).toContain("pkg:golang/stdlib@go1.19.8");
    expect(ev.links[1]?.evidence).toBe("unobserved");
    expect(ev.links[1]?.packages.map((p) => p.name)).toEqual(["libc6-dev", "musl-dev"]);
  });

  it("gives a Rust build's artifact the crates its Cargo.lock records", async () => {
    const lock =
      'version = 3\n\n[[package]]\nname = "hello"\nversion = "0.1.0"\n\n[[package]]\nname = "itoa"\nversion = "1.0.5"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n';
    const ev = await gatherSbomEvidence({
      buildImage: { name: "docker.io/library/rust:1" },
      buildRoot: ref({ "/var/lib/dpkg/status": dpkgStatus }),
      sources: ref({ "/Cargo.lock": lock }),
      artifacts: [{ image: "/hello", built: "/out/hello" }],
    });
    expect(ev.links[0]?.evidence).toBe("cargo-lock");
    expect(ev.links[0]?.modules.map((m) => m.purl)).toEqual(["pkg:cargo/itoa@1.0.5"]);
  });
});
