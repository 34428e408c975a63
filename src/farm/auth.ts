// Bearer tokens in gRPC metadata, checked against the SHA-256 hashes in the config.
import { createHash, timingSafeEqual } from "node:crypto";
import type { Metadata } from "@grpc/grpc-js";

export function hashToken(token: string): string {
  return `sha256:${createHash("sha256").update(token).digest("hex")}`;
}

/** Whether the call's `authorization: Bearer <token>` matches one of the hashes. */
export function authorized(md: Metadata, hashes: readonly string[]): boolean {
  const header = md.get("authorization")[0];
  if (typeof header !== "string") return false;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m?.[1]) return false;
  const got = Buffer.from(hashToken(m[1]));
  // Compare every hash in constant time so the match position does not leak either.
  let ok = false;
  for (const h of hashes) {
    const want = Buffer.from(h);
    if (want.length === got.length && timingSafeEqual(want, got)) ok = true;
  }
  return ok;
}
