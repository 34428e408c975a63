// A typed client of the farm's Builder service (the CLI's, the tests' and the bench's).
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { pack } from "tar-stream";
import { builderService, CHUNK_BYTES } from "./rpc.js";
import { type BuildSpec, type Job, type JobEvent, type JobState, pb } from "./types.js";

const Client = grpc.makeGenericClientConstructor(builderService, "Builder");

export class FarmClient {
  private readonly client: grpc.Client;
  private readonly md = new grpc.Metadata();

  constructor(address: string, token?: string) {
    this.client = new Client(address, grpc.credentials.createInsecure());
    if (token) this.md.set("authorization", `Bearer ${token}`);
  }

  /** One of the generated client's methods (makeGenericClientConstructor adds them untyped). */
  private method<R>(name: keyof typeof builderService): (...args: unknown[]) => R {
    const fn = (this.client as unknown as Record<string, (...a: unknown[]) => R>)[name];
    if (!fn) throw new Error(`no ${name} method on the Builder client`);
    return fn.bind(this.client);
  }

  close(): void {
    this.client.close();
  }

  /** Submits a spec; with an upload, sends the tar chunks after it. */
  submit(spec: BuildSpec, tar?: AsyncIterable<Uint8Array>): Promise<Job> {
    return new Promise((res, rej) => {
      const call = this.method<grpc.ClientWritableStream<unknown>>("Submit")(
        this.md,
        (err: grpc.ServiceError | null, job: Job) => (err ? rej(err) : res(job)),
      );
      (async () => {
        call.write(pb.SubmitRequest.create({ spec: pb.BuildSpec.create(spec) }));
        if (tar) {
          for await (const c of tar) {
            for (let off = 0; off < c.length; off += CHUNK_BYTES) {
              if (!call.write({ chunk: c.subarray(off, off + CHUNK_BYTES) }))
                await new Promise((r) => call.once("drain", r));
            }
          }
        }
        call.end();
      })().catch((err) => {
        call.cancel();
        rej(err);
      });
    });
  }

  private unary<T>(name: "Get" | "List" | "Cancel", req: unknown): Promise<T> {
    return new Promise((res, rej) =>
      this.method<void>(name)(req, this.md, (err: grpc.ServiceError | null, r: T) =>
        err ? rej(err) : res(r),
      ),
    );
  }

  get(id: string): Promise<Job> {
    return this.unary("Get", { id });
  }

  cancel(id: string): Promise<Job> {
    return this.unary("Cancel", { id });
  }

  list(
    states: JobState[] = [],
    pageSize = 50,
    pageToken = "",
  ): Promise<{ jobs: Job[]; nextPageToken: string }> {
    return this.unary("List", { states, pageSize, pageToken });
  }

  /** Streams the job's events after afterSeq until it ends; resolves when the stream closes. */
  watch(id: string, onEvent: (e: JobEvent) => void, afterSeq = 0): Promise<void> {
    return new Promise((res, rej) => {
      const call = this.method<grpc.ClientReadableStream<JobEvent>>("Watch")({ id, afterSeq }, this.md);
      call.on("data", onEvent);
      call.on("error", rej);
      call.on("end", res);
    });
  }
}

/** A directory as a tar stream (its .git left out; the frontend applies .dockerignore). */
export async function* tarDirectory(dir: string): AsyncIterable<Uint8Array> {
  const p = pack();
  const walk = async (d: string): Promise<void> => {
    for (const name of (await readdir(d)).sort()) {
      if (d === dir && name === ".git") continue;
      const full = join(d, name);
      const rel = relative(dir, full).split(sep).join("/");
      const st = await lstat(full);
      if (st.isDirectory()) {
        p.entry({ name: rel, type: "directory", mode: st.mode & 0o777, mtime: st.mtime });
        await walk(full);
      } else if (st.isSymbolicLink()) {
        p.entry({ name: rel, type: "symlink", linkname: await readlink(full), mtime: st.mtime });
      } else if (st.isFile()) {
        p.entry({ name: rel, mode: st.mode & 0o777, mtime: st.mtime }, await readFile(full));
      }
    }
  };
  const done = walk(dir).then(
    () => p.finalize(),
    (err) => p.destroy(err),
  );
  for await (const chunk of p) yield chunk as Uint8Array;
  await done;
}
