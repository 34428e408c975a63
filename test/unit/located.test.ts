// Located errors: thrown with spans where they happen, given the manifest's lines in one place.
import { describe, expect, it } from "vitest";
import { Code, FrontendError, statusFromError } from "../../src/gateway/errors.js";
import { LocatedError, withManifestSource } from "../../src/gateway/located.js";
import { ManifestError } from "../../src/manifest/errors.js";
import type { Span } from "../../src/manifest/types.js";
import { PlanError } from "../../src/plan/errors.js";

const span = (line: number, endLine = line): Span => ({ line, col: 3, endLine, endCol: 9 });
const source = { filename: "app.yaml", text: "a: 1\nb: 2\nc: 3\n" };

describe("withManifestSource", () => {
  it("gives a LocatedError the manifest as its source, with one file:line:col line per entry", () => {
    const err = withManifestSource(
      LocatedError.at(
        [
          { span: span(2), message: "data: x is missing" },
          { span: span(3), message: "data: y is missing" },
        ],
        Code.NotFound,
      ),
      source,
    ) as FrontendError;
    expect(err).toBeInstanceOf(FrontendError);
    expect(err.message).toBe("app.yaml:2:3: data: x is missing\napp.yaml:3:3: data: y is missing");
    expect(err.code).toBe(Code.NotFound);
    expect(err.source).toEqual({
      filename: "app.yaml",
      data: source.text,
      language: "YAML",
      ranges: [
        { start: 2, end: 2 },
        { start: 3, end: 3 },
      ],
    });
  });

  it("converts ManifestError and PlanError through it, as InvalidArgument", () => {
    const m = withManifestSource(new ManifestError("app.yaml", [{ span: span(1), message: "bad" }]), source);
    expect((m as FrontendError).message).toBe("app.yaml:1:3: bad");
    expect((m as FrontendError).code).toBe(Code.InvalidArgument);
    expect((m as FrontendError).source?.ranges).toEqual([{ start: 1, end: 1 }]);
    const p = withManifestSource(new PlanError("two mounts at /x", span(3), [span(1, 2)]), source);
    expect((p as FrontendError).message).toBe("two mounts at /x");
    expect((p as FrontendError).source?.ranges).toEqual([
      { start: 3, end: 3 },
      { start: 1, end: 2 },
    ]);
  });

  it("leaves other errors alone", () => {
    const other = new Error("transport closed");
    expect(withManifestSource(other, source)).toBe(other);
  });

  it("a LocatedError that never met its manifest still maps to its own code", () => {
    const status = statusFromError(new LocatedError("missing", Code.NotFound, [span(1)]));
    expect(status.code).toBe(Code.NotFound);
    expect(status.message).toBe("missing");
    expect(status.details).toEqual([]);
  });
});
