// Answers a subrequest (opt `requestid`: `docker buildx build --call ...`, `--print`) instead
// of building: read and parse the manifest, Return a Result that holds only metadata.
import { readDefinition } from "../frontend/definition.js";
import type { BridgeClient, Result } from "../gateway/client.js";
import { Code, FrontendError } from "../gateway/errors.js";
import type { FrontendClient } from "../gateway/frontend-client.js";
import {
  dockerfileKey as dockerfileKeyOpt,
  filename as filenameOpt,
  type Opts,
  target as targetOpt,
} from "../gateway/opts.js";
import { google } from "../gen/proto.js";
import { lint, ManifestLocator } from "../lint/index.js";
import { DEFAULT_FILENAME } from "../manifest/defaults.js";
import { ManifestError } from "../manifest/errors.js";
import { parseManifest } from "../manifest/parse.js";
import type { Manifest } from "../manifest/types.js";
import { DESCRIBE_REQUEST, describeAnswer, SUPPORTED } from "./describe.js";
import { LINT_REQUEST, lintAnswer } from "./lint.js";
import { OUTLINE_REQUEST, outlineAnswer } from "./outline.js";
import { type SubrequestAnswer, toResult } from "./result.js";
import { TARGETS_REQUEST, targetsAnswer } from "./targets.js";

/**
 * BuildKit registers errdefs.Subrequest with typeurl as JSON; clients recognise an
 * unsupported request by this detail (errdefs.UnsupportedSubrequestError).
 */
export const SUBREQUEST_DETAIL_TYPE_URL = "github.com/moby/buildkit/errdefs.Subrequest+json";

/** The Return status for a request we do not answer, as BuildKit's NewUnsupportedSubrequestError gives it. */
export function unsupportedStatus(request: string): google.rpc.Status {
  return google.rpc.Status.create({
    code: Code.Unknown,
    message: `unsupported request ${request}`,
    details: [
      google.protobuf.Any.create({
        type_url: SUBREQUEST_DETAIL_TYPE_URL,
        value: Buffer.from(JSON.stringify({ name: request }), "utf8"),
      }),
    ],
  });
}

export function isSupported(request: string): boolean {
  return SUPPORTED.some((r) => r.name === request);
}

/**
 * Answers `request` over the bridge: Return with the result, or with the unsupported-request
 * error. Other failures (the manifest cannot be read or parsed) are thrown, for the caller's
 * usual error path.
 */
export async function answerSubrequest(
  bridge: BridgeClient,
  client: FrontendClient,
  request: string,
): Promise<void> {
  if (!isSupported(request)) {
    await bridge.returnError(unsupportedStatus(request));
    return;
  }
  await bridge.returnResult(await subrequestResult(client, request));
}

export async function subrequestResult(client: FrontendClient, request: string): Promise<Result> {
  // describe needs no manifest: do not make the client send it.
  if (request === DESCRIBE_REQUEST.name) return toResult(describeAnswer());
  const { filename, text } = await readManifestText(client);
  return toResult(answerFor(request, filename, text, client.buildOpts()));
}

/** The answer to a manifest-reading request, from the manifest text. Pure, for tests. */
export function answerFor(
  request: string,
  filename: string,
  text: string,
  env: { opts: Opts },
): SubrequestAnswer {
  if (request === LINT_REQUEST.name) {
    try {
      const manifest = parseManifest(text, filename);
      return lintAnswer({ filename, text, findings: lint(manifest) });
    } catch (err) {
      // A manifest that does not parse is the check's error, reported with its lines.
      if (err instanceof ManifestError) {
        return lintAnswer({ filename, text, error: { message: err.message, diagnostics: err.diagnostics } });
      }
      throw err;
    }
  }
  const manifest = parsed(text, filename);
  const where = new ManifestLocator(manifest);
  if (request === TARGETS_REQUEST.name) return targetsAnswer(manifest, where);
  if (request === OUTLINE_REQUEST.name) {
    const wanted = targetOpt(env.opts);
    const target =
      wanted === undefined ? manifest.targets[0] : manifest.targets.find((t) => t.name === wanted);
    if (!target) {
      throw new FrontendError(
        `target ${wanted} not found; ${filename} defines ${manifest.targets.map((t) => t.name).join(", ")}`,
        Code.InvalidArgument,
      );
    }
    return outlineAnswer(manifest, target, where);
  }
  throw new FrontendError(`unsupported request ${request}`, Code.Unimplemented);
}

function parsed(text: string, filename: string): Manifest {
  try {
    return parseManifest(text, filename);
  } catch (err) {
    if (err instanceof ManifestError) {
      throw new FrontendError(err.message, Code.InvalidArgument, {
        filename,
        data: text,
        language: "YAML",
        ranges: err.diagnostics.map((d) => ({ start: d.span.line, end: d.span.endLine })),
      });
    }
    throw err;
  }
}

/** The manifest, read exactly as a build reads it (same local, same follow paths, same input). */
async function readManifestText(client: FrontendClient): Promise<{ filename: string; text: string }> {
  const { opts } = client.buildOpts();
  const filename = filenameOpt(opts) || DEFAULT_FILENAME;
  const key = dockerfileKeyOpt(opts);
  const inputs = await client.inputs();
  const { text } = await readDefinition(client, inputs[key], key, filename);
  return { filename, text };
}
