// A named context stands in for the build image by its familiar name, as dockerui's
// NamedContext replaces FROM NAME; only an image may.
import { describe, expect, it } from "vitest";
import { withNamedBuildImage } from "../../src/frontend/named-contexts.js";
import { parseBuildConfig } from "../../src/gateway/build-config.js";
import { LocatedError } from "../../src/gateway/located.js";
import { parseOpts } from "../../src/gateway/opts.js";
import { familiarName } from "../../src/llb/index.js";
import { loadManifest } from "../../src/plan/manifest.js";

const contexts = (...pairs: string[]) =>
  parseBuildConfig(parseOpts(Object.fromEntries(pairs.map((p, i) => [`BUILDKIT_FRONTEND_OPT_${i}`, p]))), [])
    .namedContexts;
const ALPINE_DEFAULT =
  "name: hello\nbuild:\n  package-manager: none\n  run: cc -o /out/hello hello.c\nartifacts: [hello]\n";

describe("named contexts for the build image", () => {
  it("compares names in their familiar form", () => {
    expect(familiarName("docker.io/library/alpine:3.22")).toBe("alpine:3.22");
    expect(familiarName("alpine:latest")).toBe("alpine");
    expect(familiarName("127.0.0.1:5000/x/y:1")).toBe("127.0.0.1:5000/x/y:1");
    expect(familiarName("NOT VALID")).toBeUndefined();
  });

  it("replaces the default alpine:3.22 with a docker-image:// context of that name", () => {
    const m = loadManifest(ALPINE_DEFAULT, "scratchkit.yaml");
    expect(m.build.image.value).toBe("alpine:3.22");
    const replaced = withNamedBuildImage(
      m,
      contexts("context:docker.io/library/alpine:3.22=docker-image://scratchkit/toolchain:bookworm"),
    );
    expect(replaced.build.image.value).toBe("scratchkit/toolchain:bookworm");
    expect(replaced.build.image.span).toEqual(m.build.image.span);
    // other names leave it alone
    expect(withNamedBuildImage(m, contexts("context:alpine:3.21=docker-image://x")).build.image.value).toBe(
      "alpine:3.22",
    );
  });

  it("refuses a non-image source for the build image, located at build.image", () => {
    const m = loadManifest(ALPINE_DEFAULT, "scratchkit.yaml");
    expect(() => withNamedBuildImage(m, contexts("context:alpine:3.22=local:src"))).toThrow(LocatedError);
    expect(() => withNamedBuildImage(m, contexts("context:alpine:3.22=git://h/r.git"))).toThrow(
      /named context alpine:3.22 is a git source/,
    );
  });
});
