/**
 * Invalid user input given as an option: a frontend opt or the environment (returned as
 * gRPC InvalidArgument), or a CLI flag (a usage error, exit 2).
 */
export class OptsError extends Error {
  override readonly name = "OptsError";
}
