import { describe, expect, it } from "vitest";
import { normalizePlatform } from "../../../src/llb/index.js";

describe("normalizePlatform", () => {
  it.each([
    [
      { os: "Linux", architecture: "x86_64" },
      { os: "linux", architecture: "amd64" },
    ],
    [
      { os: "linux", architecture: "aarch64", variant: "v8" },
      { os: "linux", architecture: "arm64" },
    ],
    [
      { os: "linux", architecture: "arm" },
      { os: "linux", architecture: "arm", variant: "v7" },
    ],
    [
      { os: "linux", architecture: "arm", variant: "6" },
      { os: "linux", architecture: "arm", variant: "v6" },
    ],
    [
      { os: "linux", architecture: "i386" },
      { os: "linux", architecture: "386" },
    ],
  ])("%j", (input, expected) => {
    expect(normalizePlatform(input)).toEqual(expected);
  });
});
