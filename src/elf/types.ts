import type { Platform } from "../platform.js";

/** Random-access bytes of one artifact. `read` may return fewer bytes than asked only at end of file. */
export interface ByteSource {
  size?: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** OCI platform (image-spec names: amd64, arm64, arm + v6/v7, 386, ppc64le, s390x, riscv64, ...). */
export type { Platform };

export type Verdict =
  | { kind: "static"; machine: string; pie: false }
  | { kind: "static-pie"; machine: string }
  | { kind: "dynamic"; interpreter?: string; needed: string[]; machine: string }
  | { kind: "shared-library"; needed: string[]; machine: string }
  | { kind: "script"; interpreter: string }
  | { kind: "not-elf" }
  | { kind: "invalid"; reason: string };

export interface Report {
  verdict: Verdict;
  archMismatch?: { expected: string; found: string };
  rpath?: string[];
  /** DT_SONAME: a shared object (glibc's libc.so.6 has one, and a PT_INTERP too). */
  soname?: string;
  runpath?: string[];
  /** true when no SHT_SYMTAB section exists; undefined when the section headers were not read (budget). */
  stripped?: boolean;
  /** When not stripped: about how many bytes `strip --strip-all` would save (from section sizes). */
  strippableBytes?: number;
  /** Bytes requested from the source, all reads included; never above the budget. */
  bytesRead: number;
  buildId?: string;
  abiTag?: string;
}

export interface InspectOptions {
  platform?: Platform;
  /** Maximum bytes read from the source for this artifact (default 65536). */
  budget?: number;
}
