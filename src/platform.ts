// Concepts every layer shares, declared once: the target platform and the two build modes
// options, plan and LLB all speak of.

/** An OCI platform (image-spec names: amd64, arm64, arm + v6/v7, …); normalized where it enters the LLB builder. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** BuildKit's image.resolvemode: how a source image is resolved (`image-resolve-mode`). */
export type ImageResolveMode = "default" | "pull" | "local";

/** The network a build command runs with (`force-network-mode`, a step's `network`). */
export type NetworkMode = "sandbox" | "host" | "none";

/** `os/arch[/variant]`, as Docker prints it. */
export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}
