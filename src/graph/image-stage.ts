import { posix } from "node:path";
import {
  type Chown,
  copy,
  type FileAction,
  mkdir,
  mkfile,
  type OpOptions,
  type State,
  scratch,
} from "../llb/index.js";
import type { Target } from "../manifest/types.js";
import { CA_BUNDLE_PATH } from "../plan/image-defaults.js";
import { GROUP, PASSWD, ZONEINFO } from "./essentials.js";

export interface ImageSources {
  /** The build stage's /out. */
  output: State;
  /** The build stage's root filesystem after the last command (data `from: build`, CA, zones). */
  buildRoot: State;
  /** The build image after its packages: runs the one helper command the image stage needs. */
  toolRoot: State;
  context: State;
  /** Named contexts by name, for data `from: NAME`. */
  named: ReadonlyMap<string, State>;
}

type Chain = Pick<FileAction, "mkdir" | "mkfile" | "copy">;

/**
 * The FROM scratch filesystem as one FileOp (one layer): essentials the frontend writes
 * itself, then data, then the artifacts. Nothing else ends up in the image.
 */
export function imageFiles(t: Target, src: ImageSources, epoch?: number): FileAction | undefined {
  const ts = epoch !== undefined ? { timestamp: epoch } : {};
  let chain: FileAction | undefined;
  const next = (): Chain => chain ?? { mkdir, mkfile, copy };
  const e = t.essentials;
  if (e.nonroot) {
    chain = next().mkdir("/etc", 0o755, { makeParents: true, ...ts });
    chain = next().mkfile("/etc/passwd", 0o644, PASSWD, ts);
    chain = next().mkfile("/etc/group", 0o644, GROUP, ts);
    // /home first: parents made by makeParents would take nonroot's owner and mode 0700.
    chain = next().mkdir("/home", 0o755, { makeParents: true, ...ts });
    chain = next().mkdir("/home/nonroot", 0o700, { owner: ids(65532, 65532), ...ts });
  }
  if (e.tmp) chain = next().copy(stickyTmp(src.toolRoot), "/tmp", "/tmp", { ...ts });
  const fromBuild = { followSymlinks: true, createDestPath: true, ...ts };
  // BuildKit's copy gives the missing parents of its destination the copy's mode
  // (moby/buildkit#5943: mode 0640 makes /conf drw-r-----, which nobody but root can enter).
  // So before a copy with a mode, its missing parents are made 0755, owned like the file.
  const made = new Set(["/"]);
  if (e.nonroot) for (const d of ["/etc", "/home", "/home/nonroot"]) made.add(d);
  const parentsOf = (dest: string, mode: number | undefined, owner?: Chown) => {
    const dir = posix.dirname(dest);
    if (mode === undefined || made.has(dir)) return;
    chain = next().mkdir(dir, 0o755, { makeParents: true, ...(owner ? { owner } : {}), ...ts });
    for (let d = dir; !made.has(d); d = posix.dirname(d)) made.add(d);
  };
  if (e.caCertificates) chain = next().copy(src.buildRoot, CA_BUNDLE_PATH, CA_BUNDLE_PATH, fromBuild);
  for (const zone of e.tzdata) {
    chain = next().copy(src.buildRoot, `${ZONEINFO}/${zone}`, `${ZONEINFO}/${zone}`, fromBuild);
  }
  for (const d of t.data) {
    parentsOf(d.dest, d.mode, d.owner ? ids(d.owner.uid, d.owner.gid) : undefined);
    chain = next().copy(dataSource(d, src), d.from === "build" ? d.src : `/${d.src}`, d.dest, {
      followSymlinks: true,
      createDestPath: true,
      copyDirContentsOnly: true,
      ...(d.mode !== undefined ? { mode: d.mode } : {}),
      ...(d.owner ? { owner: ids(d.owner.uid, d.owner.gid) } : {}),
      ...ts,
    });
  }
  for (const a of t.artifacts) {
    parentsOf(a.dest, a.mode);
    chain = next().copy(src.output, `/${a.path}`, a.dest, {
      followSymlinks: true,
      createDestPath: true,
      ...(a.mode !== undefined ? { mode: a.mode } : {}),
      ...ts,
    });
  }
  return chain;
}

/** The image filesystem, or an empty scratch when there is nothing to put in it. */
export function imageState(t: Target, src: ImageSources, epoch: number | undefined, opts: OpOptions): State {
  const files = imageFiles(t, src, epoch);
  if (!files) return scratch();
  if (epoch === undefined) return scratch().file(files, opts);
  // Writing a file into a directory bumps the directory's mtime, so with SOURCE_DATE_EPOCH
  // the files are staged first, then copied in one go with every timestamp set: the layer
  // is then byte-identical from build to build.
  const staged = scratch().file(files, { name: "[image] stage files" });
  return scratch().file(copy(staged, "/", "/", { copyDirContentsOnly: true, timestamp: epoch }), opts);
}

/**
 * A /tmp with mode 1777. BuildKit's mkdir keeps only the permission bits (mode & 0777), so
 * the sticky directory is made by the build image's own mkdir, then copied, mode intact.
 */
function stickyTmp(tools: State): State {
  return tools
    .run({
      args: ["mkdir", "-m", "1777", "/scratchkit-tmp/tmp"],
      mounts: [{ dest: "/scratchkit-tmp", source: scratch() }],
      network: "none",
      name: "[image] make /tmp (mode 1777)",
    })
    .getMount("/scratchkit-tmp");
}

/** The state a data entry copies from. A missing named context is the caller's bug: it checks names first. */
function dataSource(d: Target["data"][number], src: ImageSources): State {
  if (d.from === "context") return src.context;
  if (d.from === "build") return src.buildRoot;
  const name = d.named?.value ?? "";
  const state = src.named.get(name);
  if (!state) throw new Error(`graph: no named context ${JSON.stringify(name)} for data ${d.src}`);
  return state;
}

function ids(uid: number, gid: number): Chown {
  return { user: { id: uid }, group: { id: gid } };
}
