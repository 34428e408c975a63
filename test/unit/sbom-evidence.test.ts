import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readGoBuildInfo } from "../../src/elf/go-buildinfo.js";
import type { Ref } from "../../src/gateway/frontend-client.js";
import { gatherSbomEvidence, possibleContributors } from "../../src/sbom/gather.js";
import { goModules } from "../../src/sbom/go-modules.js";
import { parseOsRelease } from "../../src/sbom/os-release.js";
import { addDpkgList, parseApkInstalled, parseDpkgStatus } from "../../src/sbom/package-db.js";

// Recorded from scratchkit/toolchain:bookworm and scratchkit/go:bookworm (go1.19.8).
const fixture = (name: string) => readFileSync(new URL(`fixtures/sbom/${name}`, import.meta.url));
const osRelease = parseOsRelease(fixture("os-release.bookworm").toString());
const dpkgStatus = fixture("dpkg-status.bookworm").toString();
const goBinary = () => new Uint8Array(gunzipSync(fixture("go-hi.amd64.gz")));

describe("package databases", () => {
  it("reads Debian's os-release", () => {
    expect(osRelease).toEqual({ id: "debian", versionId: "12", codename: "bookworm" });
  });

  it("parses dpkg status into packages with deb purls", () => {
    const db = parseDpkgStatus(dpkgStatus, osRelease);
    expect(db.packages.map((p) => p.name)).toEqual([
      "base-files",
      "gcc-12",
      "libc6",
      "libc6-dev",
      "musl",
      "musl-dev",
      "musl-tools",
      "tzdata",
    ]);
    const musl = db.packages.find((p) => p.name === "musl-dev");
    expect(musl).toEqual({
      manager: "deb",
      name: "musl-dev",
      version: "1.2.3-1",
      arch: "amd64",
      purl: "pkg:deb/debian/musl-dev@1.2.3-1?arch=amd64&distro=debian-12",
    });
    expect(db.packages.find((p) => p.name === "libc6-dev")?.purl).toBe(
      "pkg:deb/debian/libc6-dev@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12",
    );
    expect(db.packages.find((p) => p.name === "tzdata")?.arch).toBe("all");
  });

  it("skips packages that are not installed", () => {
    const removed = dpkgStatus.replace(
      "Package: musl\nStatus: install ok installed",
      "Package: musl\nStatus: deinstall ok config-files",
    );
    expect(parseDpkgStatus(removed, osRelease).packages.map((p) => p.name)).not.toContain("musl");
  });

  it("maps files to their package from a dpkg .list", () => {
    const db = parseDpkgStatus(dpkgStatus, osRelease);
    const musl = db.packages.find((p) => p.name === "musl-dev");
    if (!musl) throw new Error("no musl-dev");
    addDpkgList(db.owners, musl, fixture("musl-dev.amd64.list").toString());
    expect(db.owners.get("/usr/lib/x86_64-linux-musl/libc.a")?.name).toBe("musl-dev");
  });

  it("parses apk's installed db with files", () => {
    const apk = [
      "C:Q1abc=\nP:musl-dev\nV:1.2.5-r0\nA:x86_64\nF:usr/lib\nR:libc.a\nR:crt1.o\n",
      "C:Q1def=\nP:zlib-static\nV:1.3.1-r1\nA:x86_64\nF:lib\nR:libz.a\n",
    ].join("\n");
    const db = parseApkInstalled(apk, { id: "alpine", versionId: "3.20.3" });
    expect(db.packages[0]?.purl).toBe("pkg:apk/alpine/musl-dev@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3");
    expect(db.owners.get("/usr/lib/libc.a")?.name).toBe("musl-dev");
    expect(db.owners.get("/lib/libz.a")?.name).toBe("zlib-static");
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

describe("gatherSbomEvidence", () => {
  const ref = (files: Record<string, Uint8Array | string>): Ref => ({
    id: "r",
    async readFile(path: string) {
      const f = files[path];
      if (f === undefined) throw new Error(`open ${path}: no such file or directory`);
      return typeof f === "string" ? new TextEncoder().encode(f) : f;
    },
    async readDir() {
      return [];
    },
    async statFile() {
      throw new Error("unused");
    },
  });

  it("lists installed packages and each artifact's modules or possible contributors", async () => {
    const stage = ref({
      "/etc/os-release": fixture("os-release.bookworm").toString(),
      "/var/lib/dpkg/status": dpkgStatus,
    });
    const output = ref({ "/hi": goBinary(), "/hello": "\x7fELF not really" });
    const ev = await gatherSbomEvidence({
      buildImage: { name: "docker.io/scratchkit/toolchain:bookworm" },
      stage,
      output,
      artifacts: [
        { path: "hi", artifact: "/hi" },
        { path: "hello", artifact: "/hello" },
      ],
    });
    expect(ev.installed).toHaveLength(8);
    expect(ev.links[0]?.evidence).toBe("go-buildinfo");
    expect(ev.links[0]?.modules.map((m) => m.name)).toContain("stdlib");
    expect(ev.links[1]?.evidence).toBe("unobserved");
    expect(ev.links[1]?.packages.map((p) => p.name)).toEqual(["libc6-dev", "musl-dev"]);
    expect(possibleContributors(ev.installed).every((p) => /-(dev|static)$/.test(p.name))).toBe(true);
  });
});
