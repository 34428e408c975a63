// The Builder service's gRPC method table, from the statically generated codecs (no
// .proto parsing at run time), shared by the server and the client.
import type * as grpc from "@grpc/grpc-js";
import { pb } from "./types.js";

interface Codec<T> {
  encode(m: T): { finish(): Uint8Array };
  decode(b: Uint8Array): T;
}

function method<Req, Res>(
  name: string,
  req: Codec<Req>,
  res: Codec<Res>,
  requestStream: boolean,
  responseStream: boolean,
): grpc.MethodDefinition<Req, Res> {
  const buf = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  return {
    path: `/scratchkit.farm.v1.Builder/${name}`,
    requestStream,
    responseStream,
    requestSerialize: (m: Req) => buf(req.encode(m).finish()),
    requestDeserialize: (b: Buffer) => req.decode(b),
    responseSerialize: (m: Res) => buf(res.encode(m).finish()),
    responseDeserialize: (b: Buffer) => res.decode(b),
  };
}

type P<T extends abstract new (...args: never) => unknown> = InstanceType<T>;

export const BUILDER_SERVICE = "scratchkit.farm.v1.Builder";

export const builderService = {
  Submit: method<P<typeof pb.SubmitRequest>, P<typeof pb.Job>>(
    "Submit",
    pb.SubmitRequest,
    pb.Job,
    true,
    false,
  ),
  Watch: method<P<typeof pb.WatchRequest>, P<typeof pb.JobEvent>>(
    "Watch",
    pb.WatchRequest,
    pb.JobEvent,
    false,
    true,
  ),
  Get: method<P<typeof pb.GetRequest>, P<typeof pb.Job>>("Get", pb.GetRequest, pb.Job, false, false),
  List: method<P<typeof pb.ListRequest>, P<typeof pb.ListResponse>>(
    "List",
    pb.ListRequest,
    pb.ListResponse,
    false,
    false,
  ),
  Cancel: method<P<typeof pb.CancelRequest>, P<typeof pb.Job>>(
    "Cancel",
    pb.CancelRequest,
    pb.Job,
    false,
    false,
  ),
} satisfies grpc.ServiceDefinition;

/** Uploads go in chunks well under gRPC's 4 MiB default message limit. */
export const CHUNK_BYTES = 1 << 20;
