// Answers a subrequest (opt `requestid`: `docker buildx build --call ...`, `--print`) from the
// manifest the frontend has read: a Result that holds only metadata. Pure.
import { Code, FrontendError } from "../gateway/errors.js";
import type { ManifestSource } from "../gateway/located.js";
import { lint, ManifestLocator } from "../lint/index.js";
import { ManifestError } from "../manifest/errors.js";
import { loadManifest } from "../plan/manifest.js";
import { selectTarget } from "../plan/plan.js";
import { DESCRIBE_REQUEST, describeAnswer, SUPPORTED } from "./describe.js";
import { LINT_REQUEST, lintAnswer } from "./lint.js";
import { OUTLINE_REQUEST, outlineAnswer } from "./outline.js";
import type { SubrequestAnswer } from "./result.js";
import { TARGETS_REQUEST, targetsAnswer } from "./targets.js";

export function isSupported(request: string): boolean {
  return SUPPORTED.some((r) => r.name === request);
}

/** describe lists the requests; it needs no manifest, so the client is not made to send it. */
export function needsManifest(request: string): boolean {
  return request !== DESCRIBE_REQUEST.name;
}

/** The answer to a request that reads no manifest (describe). */
export function answerWithoutManifest(request: string): SubrequestAnswer {
  if (request === DESCRIBE_REQUEST.name) return describeAnswer();
  throw new FrontendError(`unsupported request ${request}`, Code.Unimplemented);
}

/**
 * The answer to a manifest-reading request. A manifest that does not parse is check's answer
 * (reported with its lines) and the other requests' error (a ManifestError, located by the caller).
 */
export function answerFor(request: string, source: ManifestSource, target?: string): SubrequestAnswer {
  const { filename, text } = source;
  if (request === LINT_REQUEST.name) {
    try {
      const manifest = loadManifest(text, filename);
      return lintAnswer({ filename, text, findings: lint(manifest) });
    } catch (err) {
      if (err instanceof ManifestError) {
        return lintAnswer({ filename, text, error: { message: err.message, diagnostics: err.diagnostics } });
      }
      throw err;
    }
  }
  const manifest = loadManifest(text, filename);
  const where = new ManifestLocator(manifest);
  if (request === TARGETS_REQUEST.name) return targetsAnswer(manifest, where);
  if (request === OUTLINE_REQUEST.name) return outlineAnswer(manifest, selectTarget(manifest, target), where);
  throw new FrontendError(`unsupported request ${request}`, Code.Unimplemented);
}
