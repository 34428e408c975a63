// The Builder service's handlers: bearer-token check, the Submit upload (size-limited,
// manifest checked before the job is accepted), and Farm errors as gRPC status codes.
import { rmSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "pino";
import { decodeManifest, ManifestError, parseManifest } from "../manifest/index.js";
import { authorized } from "./auth.js";
import type { FarmConfig } from "./config.js";
import { ManifestUnchecked, readTarFile, saveChunks, UploadTooLarge } from "./context.js";
import { Farm, FarmError } from "./farm.js";
import { jobError } from "./location.js";
import { gitManifest, httpManifest, type RemoteManifest } from "./remote-manifest.js";
import { builderService } from "./rpc.js";
import { type BuildSpec, type Job, pb } from "./types.js";

type Req<K extends keyof typeof builderService> = ReturnType<
  (typeof builderService)[K]["requestDeserialize"]
>;

export class StatusError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

const KIND_CODES: Record<FarmError["kind"], grpc.status> = {
  "not-found": grpc.status.NOT_FOUND,
  invalid: grpc.status.INVALID_ARGUMENT,
  exhausted: grpc.status.RESOURCE_EXHAUSTED,
  unavailable: grpc.status.UNAVAILABLE,
};

function toStatus(err: unknown): Partial<grpc.ServiceError> {
  if (err instanceof StatusError) return { code: err.code, details: err.message };
  if (err instanceof FarmError) return { code: KIND_CODES[err.kind], details: err.message };
  if (err instanceof UploadTooLarge) return { code: grpc.status.RESOURCE_EXHAUSTED, details: err.message };
  return { code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}

/** The spec's problems a user must fix before the job can be accepted. */
function checkSpec(spec: BuildSpec): void {
  const sources = [spec.upload, spec.gitUrl, spec.httpUrl].filter(Boolean).length;
  if (sources !== 1)
    throw new StatusError(
      grpc.status.INVALID_ARGUMENT,
      "give exactly one context: an upload, a git URL or an HTTP URL",
    );
  const m = spec.manifest || "scratchkit.yaml";
  if (m.startsWith("/") || m.split("/").includes(".."))
    throw new StatusError(grpc.status.INVALID_ARGUMENT, `manifest path must stay inside the context: ${m}`);
  for (const t of spec.tags ?? [])
    if (!t || /\s/.test(t))
      throw new StatusError(grpc.status.INVALID_ARGUMENT, `bad tag ${JSON.stringify(t)}`);
}

/** The context's manifest, parsed: a missing or invalid manifest is refused with its location. */
function checkManifest(found: RemoteManifest, name: string): void {
  if ("missing" in found)
    throw new StatusError(
      grpc.status.NOT_FOUND,
      `no manifest ${name}: ${found.missing} (set the manifest path with -f)`,
    );
  let text = "";
  try {
    text = decodeManifest(found.bytes, name);
    parseManifest(text, name);
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    const e = jobError(err.message, text);
    const where = e.location ? `\n${e.location.line} | ${e.location.sourceLine}` : "";
    throw new StatusError(grpc.status.INVALID_ARGUMENT, `${err.message}${where}`);
  }
}

/** The context's manifest; undefined (no check) when the farm cannot check it itself. */
async function contextManifest(
  spec: BuildSpec,
  upload: string | undefined,
  name: string,
  maxBytes: number,
  log: Logger,
): Promise<RemoteManifest | undefined> {
  try {
    if (upload) {
      const bytes = await readTarFile(upload, name);
      return bytes ? { bytes } : { missing: "the uploaded context does not have it" };
    }
    return spec.gitUrl
      ? await gitManifest(spec.gitUrl, name)
      : await httpManifest(spec.httpUrl ?? "", name, maxBytes);
  } catch (err) {
    if (!(err instanceof ManifestUnchecked)) throw err;
    log.warn({ err: err.message }, "farm: cannot check the context's manifest itself; the engine will");
    return undefined;
  }
}

export function builderHandlers(
  farm: Farm,
  config: FarmConfig,
  log: Logger,
): grpc.UntypedServiceImplementation {
  const denied = (call: { metadata: grpc.Metadata }) =>
    config.auth && !authorized(call.metadata, config.tokenHashes)
      ? {
          code: grpc.status.UNAUTHENTICATED,
          details: "missing or wrong bearer token (set --token or SCRATCHKIT_FARM_TOKEN)",
        }
      : undefined;

  const unary =
    <K extends "Get" | "List" | "Cancel">(fn: (req: Req<K>) => unknown) =>
    (call: grpc.ServerUnaryCall<Req<K>, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const no = denied(call);
      if (no) return cb(no);
      Promise.resolve()
        .then(() => fn(call.request))
        .then(
          (r) => cb(null, r),
          (err) => cb(toStatus(err)),
        );
    };

  return {
    Submit(call: grpc.ServerReadableStream<Req<"Submit">, Job>, cb: grpc.sendUnaryData<Job>) {
      const no = denied(call);
      if (no) {
        call.destroy();
        return cb(no);
      }
      let upload: string | undefined;
      (async () => {
        const it = call[Symbol.asyncIterator]() as AsyncIterator<Req<"Submit">>;
        const first = await it.next();
        const spec = first.done ? undefined : first.value.spec;
        if (!spec)
          throw new StatusError(
            grpc.status.INVALID_ARGUMENT,
            "the first Submit message must carry the build spec",
          );
        checkSpec(spec);
        farm.checkCapacity();
        const manifestName = spec.manifest || "scratchkit.yaml";
        if (spec.upload) {
          upload = farm.uploadPath();
          const chunks = (async function* () {
            for (let n = await it.next(); !n.done; n = await it.next())
              if (n.value.chunk) yield n.value.chunk;
          })();
          await saveChunks(chunks, upload, config.maxUploadBytes);
        }
        const found = await contextManifest(spec, upload, manifestName, config.maxUploadBytes, log);
        if (found) checkManifest(found, manifestName);
        const job = farm.submit(pb.BuildSpec.create(spec), upload);
        upload = undefined;
        return job;
      })().then(
        (job) => cb(null, pb.Job.create(job)),
        (err) => {
          if (upload) rmSync(upload, { force: true });
          if (err instanceof UploadTooLarge) call.destroy();
          cb(toStatus(err));
        },
      );
    },
    Watch(call: grpc.ServerWritableStream<Req<"Watch">, unknown>) {
      const no = denied(call);
      if (no) return call.destroy(Object.assign(new Error(no.details), no));
      try {
        const stop = farm.watch(
          call.request.id,
          call.request.afterSeq ?? 0,
          (e) => call.write(e),
          () => call.end(),
        );
        call.on("cancelled", stop);
        call.on("close", stop);
      } catch (err) {
        const s = toStatus(err);
        call.destroy(Object.assign(new Error(s.details), s));
      }
    },
    Get: unary<"Get">((req) => farm.get(req.id)),
    Cancel: unary<"Cancel">((req) => farm.cancel(req.id)),
    List: unary<"List">((req) => {
      const size = Math.min(Math.max(req.pageSize || 50, 1), 500);
      const after = req.pageToken ? Number(req.pageToken) : 0;
      if (!Number.isSafeInteger(after) || after < 0)
        throw new StatusError(grpc.status.INVALID_ARGUMENT, `bad page token ${req.pageToken}`);
      const page = farm.list(req.states ?? [], size, after);
      return { jobs: page.jobs, nextPageToken: page.next ? String(page.next) : "" };
    }),
  };
}
