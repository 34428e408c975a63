/** A place in the manifest, 1-based lines and columns, end inclusive of its last line. */
export interface Span {
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

/** A value together with where the user wrote it, so errors and progress can point back. */
export interface Located<T> {
  value: T;
  span: Span;
}

export type PackageManager = "apk" | "apt" | "none";
/** The language presets (their recipes are data in src/plan/presets.ts). */
export const PRESET_NAMES = ["c", "c++", "go", "rust", "zig"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** A cache directory kept between builds (RUN --mount=type=cache). */
export interface CacheMount {
  path: string;
  id?: string;
  sharing: "shared" | "private" | "locked";
  /** Where the manifest names it (absent for a preset's own caches). */
  span?: Span;
}

/** A build secret (docker buildx build --secret id=...), mounted as a file for a step only. */
export interface SecretMount {
  id: string;
  /** Where the file appears; default /run/secrets/<id>. */
  target: string;
  required: boolean;
  /** The `target` (or the id) in the manifest. */
  span?: Span;
}

/** One build command and what it mounts besides the context and /out. */
export interface RunStep {
  command: Located<string>;
  cache: CacheMount[];
  secrets: SecretMount[];
}

export interface BuildSpec {
  image: Located<string>;
  packageManager: Located<PackageManager>;
  packages: Located<string>[];
  /** Where the build context is mounted and commands run. */
  workdir: string;
  /** Where build.workdir is set, when the manifest sets it. */
  workdirSpan?: Span;
  env: Array<[string, string]>;
  run: RunStep[];
  /** Which context files the build sees (on top of .dockerignore). */
  contextInclude: string[];
  contextExclude: string[];
  /**
   * `build.cross`: true → the build stage runs on the build platform and cross-compiles for
   * the target; false → it runs the build image's variant for the target (under qemu when
   * foreign). Absent → the preset's default (go, rust, zig cross; c, c++ and no preset emulate).
   */
  cross?: Located<boolean>;
  span: Span;
}

export interface Artifact {
  /** Path relative to the build's output directory. */
  path: string;
  /** Absolute path in the final image. */
  dest: string;
  /** File mode in the image; undefined keeps the built file's. */
  mode?: number;
  /**
   * The user knows this glibc-static program dlopens NSS modules (getaddrinfo, getpwnam...)
   * and ships them or never reaches that code: the gate warns instead of failing.
   */
  allowDlopen: boolean;
  span: Span;
}

/** Data shipped as is (not verified as a program): from the context or the build stage. */
export interface DataFile {
  /** "named": a named context (`--build-context NAME=...`), like a Dockerfile's COPY --from=NAME. */
  from: "context" | "build" | "named";
  /** The named context's name and where `from:` says it, when from is "named". */
  named?: Located<string>;
  /**
   * Path in the context or a named context (relative), or in the build stage's filesystem
   * (absolute).
   */
  src: string;
  dest: string;
  mode?: number;
  owner?: { uid: number; gid: number };
  span: Span;
}

/** Files the frontend writes itself, because a scratch image has none of them. */
export interface Essentials {
  /** passwd/group with root, nobody and nonroot (65532), like distroless. */
  nonroot: boolean;
  /** The build image's CA bundle at /etc/ssl/certs/ca-certificates.crt, with SSL_CERT_FILE. */
  caCertificates: boolean;
  /** Zones copied from the build image's /usr/share/zoneinfo. */
  tzdata: string[];
  /** /tmp with mode 1777. */
  tmp: boolean;
  span?: Span;
}

export interface ImageSpec {
  entrypoint?: string[];
  cmd?: string[];
  env: Array<[string, string]>;
  user?: string;
  workdir?: string;
  labels: Array<[string, string]>;
  /** "8080/tcp" form. */
  ports: string[];
  volumes: string[];
  stopSignal?: string;
}

/** One image the manifest can produce; `--target` picks one. */
export interface Target {
  name: string;
  description?: string;
  artifacts: Artifact[];
  data: DataFile[];
  essentials: Essentials;
  image: ImageSpec;
  span: Span;
}

/** A declared build argument (--build-arg NAME=...), with its default. */
export interface BuildArg {
  name: string;
  default?: string;
  span: Span;
}

export interface Manifest {
  filename: string;
  /** The manifest text exactly as read, for source-mapped errors. */
  source: string;
  version: 1;
  name: string;
  preset?: PresetName;
  args: BuildArg[];
  build: BuildSpec;
  /** The first target is the default one. */
  targets: Target[];
}

/** Pairs as written for image.env and image.labels: a target's own are merged over the top level's. */
type Pairs = Array<[string, string]>;

/**
 * The image settings one level of the manifest writes (the top level, or a target): only
 * what it sets. Inheritance and defaults (entrypoint, nonroot user, SSL_CERT_FILE) are the
 * plan's (src/plan/targets.ts).
 */
export interface ImageDocument {
  entrypoint?: string[];
  cmd?: string[];
  env?: Pairs;
  user?: string;
  workdir?: string;
  labels?: Pairs;
  ports?: string[];
  volumes?: string[];
  stopSignal?: string;
}

/** artifacts, data, essentials and image as one level writes them; absent keys are inherited. */
export interface TargetDocument {
  name: string;
  description?: string;
  artifacts?: Artifact[];
  data?: DataFile[];
  essentials?: Essentials;
  image: ImageDocument;
  span: Span;
}

/** build as written: the preset's packages, env and commands are not in it yet. */
export interface BuildDocument extends BuildSpec {
  /** build.cache and build.secrets (each run step already has them): a preset's command gets them too. */
  cache: CacheMount[];
  secrets: SecretMount[];
}

/**
 * The manifest as written, validated and typed with spans: what parseManifest returns.
 * The plan expands the preset and applies the image defaults (src/plan/manifest.ts).
 */
export interface ManifestDocument {
  filename: string;
  source: string;
  version: 1;
  name?: Located<string>;
  preset?: Located<PresetName>;
  args: BuildArg[];
  build: BuildDocument;
  /** The top level's keys: what every target leaves out comes from here. */
  top: TargetDocument;
  /** The top level is the first target (it has artifacts, or a preset builds one). */
  topIsTarget: boolean;
  /** The targets under `targets:`, in order. */
  targets: TargetDocument[];
}
