// Capability sets reported by Ping. A cap is usable only when BuildKit lists it
// AND marks it Enabled; listed-but-disabled caps carry a reason we surface.
import type { moby } from "../gen/proto.js";

type APICap = moby.buildkit.v1.apicaps.APICap.$Properties;

/** Frontend API caps we gate calls on (frontend/gateway/pb/caps.go). */
export const FrontendCap = {
  SolveBase: "solve.base",
  ReadFile: "readfile",
  ReadDir: "readdir",
  StatFile: "statfile",
  ReturnResult: "return",
  ReturnMap: "returnmap",
  ResolveImage: "resolveimage",
  ResolveImageResolveMode: "resolveimage.resolvemode",
  FrontendInputs: "frontend.inputs",
  Evaluate: "gateway.evaluate",
  Warnings: "gateway.warnings",
  SourceMetaResolver: "source.metaresolver",
  ProtoRefArray: "proto.refarray",
} as const;

export class CapError extends Error {
  override readonly name = "CapError";
  constructor(
    readonly kind: string,
    readonly id: string,
    readonly state: APICap | undefined,
  ) {
    const why = state
      ? `is disabled on the build server${state.DisabledReasonMsg ? `: ${state.DisabledReasonMsg}` : ""}`
      : "is not supported by the build server; please update BuildKit/Docker";
    super(`BuildKit ${kind} capability "${id}" ${why}`);
  }
}

export class CapSet {
  readonly #all: ReadonlyMap<string, APICap>;

  constructor(
    readonly kind: string,
    caps: readonly APICap[] | null | undefined,
  ) {
    const all = new Map<string, APICap>();
    for (const c of caps ?? []) if (c.ID) all.set(c.ID, c);
    this.#all = all;
  }

  has(id: string): boolean {
    return this.#all.get(id)?.Enabled === true;
  }

  /** Throws a CapError naming the cap (and BuildKit's disabled reason, if any) unless it is enabled. */
  require(id: string): void {
    if (!this.has(id)) throw new CapError(this.kind, id, this.#all.get(id));
  }

  /** Enabled cap IDs, sorted (for logs and for OpMetadata.caps decisions). */
  enabled(): string[] {
    return [...this.#all.values()]
      .filter((c) => c.Enabled === true)
      .map((c) => c.ID as string)
      .sort();
  }
}

/** What the server supports, from Ping (not llb's Caps, the LLB cap ids an op may need). */
export interface ServerCaps {
  /** Frontend gateway API caps (PongResponse.FrontendAPICaps). */
  readonly frontend: CapSet;
  /** LLB caps (PongResponse.LLBCaps), e.g. "source.local", "file.base". */
  readonly llb: CapSet;
}

export function capsFromPong(pong: moby.buildkit.v1.frontend.PongResponse.$Properties): ServerCaps {
  return {
    frontend: new CapSet("frontend API", pong.FrontendAPICaps),
    llb: new CapSet("LLB", pong.LLBCaps),
  };
}
