// Build contexts of the bench: hello as a scratchkit manifest and as the equivalent seed-style
// multi-stage Dockerfile, on the same toolchain image; and a manifest with many artifacts.
import { BENCH_FRONTEND, TOOLCHAIN, tempDir, writeFiles } from "./lib.js";

export const HELLO_C = '#include <stdio.h>\n\nint main() { puts("hello"); }\n';
export const COMPILE = "musl-gcc -static -Os -s -o /out/hello hello.c";

export function helloManifest(extra = ""): string {
  return `# syntax=${BENCH_FRONTEND}
name: hello
build:
  image: ${TOOLCHAIN}
  package-manager: none
  run: ${COMPILE}
artifacts: [hello]
${extra}`;
}

/** The classic recipe, as the engine's built-in Dockerfile frontend builds it. */
export function helloDockerfile(syntax?: string): string {
  return `${syntax ? `# syntax=${syntax}\n` : ""}FROM ${TOOLCHAIN} AS build
WORKDIR /src
COPY hello.c ./
RUN mkdir -p /out && ${COMPILE}

FROM scratch
COPY --from=build /out/hello /hello
ENTRYPOINT ["/hello"]
`;
}

/** hello.c, scratchkit.yaml and Dockerfile side by side in one context. */
export function helloContext(tag: string, dockerfileSyntax?: string): string {
  const files: Record<string, string> = {
    "hello.c": HELLO_C,
    "scratchkit.yaml": helloManifest(),
    Dockerfile: helloDockerfile(),
  };
  if (dockerfileSyntax) files["Dockerfile.syntax"] = helloDockerfile(dockerfileSyntax);
  return writeFiles(tempDir(tag), files);
}

export const MANY = 100;
export const manyNames = Array.from({ length: MANY }, (_, i) => `p${String(i).padStart(3, "0")}`);

/** One program compiled once and copied under MANY names: the frontend's per-artifact cost. */
export function manyManifest(): string {
  return `# syntax=${BENCH_FRONTEND}
name: many
build:
  image: ${TOOLCHAIN}
  package-manager: none
  run: ${COMPILE} && for n in ${manyNames.join(" ")}; do cp /out/hello /out/$n; done
artifacts: [${manyNames.join(", ")}]
image:
  entrypoint: [/p000]
`;
}

export function manyContext(): string {
  return writeFiles(tempDir("many"), { "hello.c": HELLO_C, "scratchkit.yaml": manyManifest() });
}
