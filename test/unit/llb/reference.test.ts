import { describe, expect, it } from "vitest";
import { normalizeImageRef } from "../../../src/llb/index.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("normalizeImageRef", () => {
  it.each([
    ["alpine", "docker.io/library/alpine:latest"],
    ["alpine:3.22", "docker.io/library/alpine:3.22"],
    ["foo/bar", "docker.io/foo/bar:latest"],
    ["library/alpine:3", "docker.io/library/alpine:3"],
    ["docker.io/alpine", "docker.io/library/alpine:latest"],
    ["index.docker.io/library/alpine:edge", "docker.io/library/alpine:edge"],
    ["ghcr.io/owner/img:v1.2", "ghcr.io/owner/img:v1.2"],
    ["localhost/img", "localhost/img:latest"],
    ["localhost:5000/a/b", "localhost:5000/a/b:latest"],
    ["registry.example.com:443/x", "registry.example.com:443/x:latest"],
    [`alpine@${DIGEST}`, `docker.io/library/alpine@${DIGEST}`],
    [`alpine:3.22@${DIGEST}`, `docker.io/library/alpine:3.22@${DIGEST}`],
    ["ghcr.io/Owner/x", undefined],
  ])("%s -> %s", (input, expected) => {
    if (expected === undefined) expect(() => normalizeImageRef(input)).toThrow(/lowercase/);
    else expect(normalizeImageRef(input)).toBe(expected);
  });

  it.each([
    "Alpine",
    "alpine:",
    "alpine@sha256:abc",
    `alpine@sha256:${"AB".repeat(32)}`,
    "a".repeat(64).replace(/a/g, "f"),
    "",
  ])("rejects %j", (input) => {
    expect(() => normalizeImageRef(input)).toThrow();
  });
});
