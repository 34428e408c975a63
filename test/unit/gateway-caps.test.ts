import { describe, expect, it } from "vitest";
import { CapError, capsFromPong, FrontendCap } from "../../src/gateway/caps.js";

describe("caps", () => {
  const caps = capsFromPong({
    FrontendAPICaps: [
      { ID: "solve.base", Enabled: true },
      { ID: "readfile", Enabled: true },
      { ID: "gateway.evaluate", Enabled: false, DisabledReasonMsg: "turned off by admin" },
    ],
    LLBCaps: [
      { ID: "source.local", Enabled: true },
      { ID: "file.base", Enabled: true },
      { ID: "exec.mount.cache", Enabled: false },
    ],
  });

  it("reports a cap only when listed and enabled, per set", () => {
    expect(caps.frontend.has(FrontendCap.SolveBase)).toBe(true);
    expect(caps.frontend.has(FrontendCap.Evaluate)).toBe(false);
    expect(caps.frontend.has("statfile")).toBe(false);
    expect(caps.llb.has("source.local")).toBe(true);
    expect(caps.llb.has("exec.mount.cache")).toBe(false);
    // The two sets are separate namespaces.
    expect(caps.frontend.has("source.local")).toBe(false);
    expect(caps.llb.has("readfile")).toBe(false);
    expect(caps.llb.enabled()).toEqual(["file.base", "source.local"]);
  });

  it("require names the missing cap and why", () => {
    expect(() => caps.frontend.require("readfile")).not.toThrow();
    expect(() => caps.frontend.require("statfile")).toThrow(
      /frontend API capability "statfile" is not supported by the build server/,
    );
    expect(() => caps.frontend.require("gateway.evaluate")).toThrow(
      /"gateway.evaluate" is disabled.*turned off by admin/,
    );
    expect(() => caps.llb.require("exec.mount.cache")).toThrow(CapError);
    expect(() => caps.llb.require("exec.mount.cache")).toThrow(/LLB capability "exec.mount.cache"/);
  });

  it("handles an empty Pong", () => {
    const empty = capsFromPong({});
    expect(empty.frontend.has("solve.base")).toBe(false);
    expect(empty.llb.enabled()).toEqual([]);
  });
});
