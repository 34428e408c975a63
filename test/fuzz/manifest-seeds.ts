// Valid manifests the mutating generator starts from: the examples on disk, and one manifest
// per feature the unit tests exercise (presets, targets, data, essentials, caches, secrets,
// context filters, args). Every seed must parse (the fuzz test checks it).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const INLINE: readonly string[] = [
  "# syntax=scratchkit/frontend:dev\nbuild:\n  packages: [gcc, musl-dev]\n  run: cc -static -Os -o /out/hello hello.c\nartifacts: [hello]\n",
  "# syntax=scratchkit/frontend:dev\npreset: c\nname: hello\n",
  "preset: go\nname: srv\n",
  "preset: rust\nname: srv\nbuild:\n  image: alpine:3.22\n  packages: [musl-dev]\n",
  "preset: zig\nname: z\n",
  "preset: c++\nname: app\nbuild:\n  image: scratchkit/toolchain:bookworm\n  package-manager: apt\n  packages: [make]\n  env: {CFLAGS: -O2}\n",
  [
    "name: srv",
    "build:",
    "  image: alpine:3.22",
    "  run: make",
    "artifacts: [server]",
    "data:",
    "  - config.json",
    "  - {src: /usr/share/misc/magic, from: build, dest: /etc/magic, mode: '0444', owner: '65532:65532'}",
    "essentials: [nonroot, ca-certificates, tmp, {tzdata: [UTC, Europe/Paris]}]",
    "image:",
    "  ports: [8080, 53/udp]",
    "  volumes: [/data]",
    "  stop-signal: SIGINT",
    "targets:",
    "  cli:",
    "    description: the command line tool",
    "    artifacts: [{path: cli, dest: /usr/bin/cli}]",
    "",
  ].join("\n"),
  [
    "version: 1",
    "args: {VERSION: '1.0', FLAVOUR: }",
    "build:",
    "  image: debian:12",
    "  packages: [gcc, musl-tools]",
    "  workdir: /work",
    "  env: {CC: musl-gcc}",
    "  cache: [/root/.cache]",
    "  secrets: [token]",
    "  context: {include: [src, Makefile], exclude: ['**/*.o']}",
    "  run:",
    "    - make deps",
    "    - run: make",
    "      cache: [{path: /ccache, id: cc, sharing: locked}]",
    "      secrets: [{id: key, target: /key, required: false}]",
    "artifacts:",
    "  - {path: bin/app, dest: /usr/local/bin/app, mode: '0755', allow-dlopen: true}",
    "  - /out/helper",
    "image:",
    "  entrypoint: [/usr/local/bin/app]",
    "  cmd: [--serve]",
    "  env: {F: '${FLAVOUR}', LANG: C.UTF-8}",
    "  labels: {v: 'v${VERSION}', org.example.team: core}",
    "  user: '1000:1000'",
    "  workdir: /var/lib/app",
    "",
  ].join("\n"),
  "build: {image: scratchkit/toolchain:bookworm, package-manager: none, run: [make a, make b]}\nartifacts: [a, b]\ntargets:\n  b-only: {artifacts: [b], essentials: [tmp]}\n  with-data: {artifacts: [a], data: [{src: etc, dest: /etc/app}]}\n",
];

/** Every example manifest under examples/, then the inline seeds. */
export function manifestSeeds(root = process.cwd()): string[] {
  const dir = join(root, "examples");
  const fromDisk = existsSync(dir)
    ? readdirSync(dir)
        .sort()
        .map((d) => join(dir, d, "scratchkit.yaml"))
        .filter((f) => existsSync(f))
        .map((f) => readFileSync(f, "utf8"))
    : [];
  return [...fromDisk, ...INLINE];
}
