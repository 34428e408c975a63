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

export interface BuildSpec {
  image: Located<string>;
  packageManager: Located<PackageManager>;
  packages: Located<string>[];
  /** Where the build context is mounted and commands run. */
  workdir: string;
  env: Array<[string, string]>;
  run: Located<string>[];
  span: Span;
}

export interface Artifact {
  /** Path relative to the build's output directory. */
  path: string;
  /** Absolute path in the final image. */
  dest: string;
  /**
   * The user knows this glibc-static program dlopens NSS modules (getaddrinfo, getpwnam...)
   * and ships them or never reaches that code: the gate warns instead of failing.
   */
  allowDlopen: boolean;
  span: Span;
}

export interface ImageSpec {
  entrypoint?: string[];
  cmd?: string[];
  env: Array<[string, string]>;
  user?: string;
  workdir?: string;
  labels: Array<[string, string]>;
}

export interface Manifest {
  filename: string;
  /** The manifest text exactly as read, for source-mapped errors. */
  source: string;
  version: 1;
  name: string;
  build: BuildSpec;
  artifacts: Artifact[];
  image: ImageSpec;
}
