// The LLB a manifest becomes, checked op by op. The Alpine default cannot be built on
// machines without Alpine's mirror, so its graph is proven right here.
import { describe, expect, it } from "vitest";
import { pb } from "../../src/gen/proto.js";
import { manifestDefinition } from "../../src/graph/definition.js";
import { loadManifest } from "../../src/plan/manifest.js";

const AMD64 = { os: "linux", architecture: "amd64" };
const ALPINE_HELLO =
  "# syntax=scratchkit/frontend:dev\nbuild:\n  packages: [gcc, musl-dev]\n  run: cc -static -Os -o /out/hello hello.c\nartifacts: [hello]\n";

function decode(text: string, platform = AMD64) {
  const m = loadManifest(text, "scratchkit.yaml");
  const marshalled = manifestDefinition(m, { platform });
  const def = pb.Definition.decode(marshalled.bytes);
  const ops = def.def.map((b) => pb.Op.decode(b));
  return { def, ops, marshalled };
}

describe("the build graph", () => {
  it("builds the three-line hello on pinned Alpine: apk step, compile step, scratch copy", () => {
    const { def, ops, marshalled } = decode(ALPINE_HELLO);
    const sources = ops.flatMap((o) => (o.source ? [o.source.identifier] : []));
    expect(sources).toEqual(["docker-image://docker.io/library/alpine:3.22", "local://context"]);
    const execs = ops.flatMap((o) => (o.exec ? [o] : []));
    expect(execs.map((o) => o.exec?.meta?.args)).toEqual([
      ["apk", "add", "--no-cache", "gcc", "musl-dev"],
      ["/bin/sh", "-c", "cc -static -Os -o /out/hello hello.c"],
    ]);
    for (const e of execs) expect(e.platform).toMatchObject({ OS: "linux", Architecture: "amd64" });
    // The package step does not mount the context: editing sources never reinstalls packages.
    expect(execs[0]?.exec?.mounts?.map((m) => m.dest)).toEqual(["/"]);
    // The compile step: root from the package step, /out a fresh scratch mount, the context at /src.
    const compile = execs[1]?.exec;
    expect(compile?.mounts?.map((m) => [m.dest, m.input, m.output])).toEqual([
      ["/", 0, 0],
      ["/out", -1, 1],
      ["/src", 1, 2],
    ]);
    expect(compile?.meta?.cwd).toBe("/src");
    expect(compile?.meta?.env).toContain("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");

    // The image: one FileOp on scratch copying /hello out of the compile step's /out output.
    const file = ops.find((o) => o.file);
    expect(file?.inputs).toHaveLength(1);
    expect(file?.inputs[0]?.index).toBe(1);
    const action = file?.file?.actions?.[0];
    expect(action).toMatchObject({ input: -1, secondaryInput: 0, output: 0 });
    expect(action?.copy).toMatchObject({
      src: "/hello",
      dest: "/hello",
      followSymlink: true,
      createDestPath: true,
    });

    // Progress names and source locations point at the manifest lines.
    const names = Object.values(def.metadata)
      .map((m) => m.description?.["llb.customname"])
      .filter(Boolean);
    expect(names).toEqual(
      expect.arrayContaining([
        "[build 1/2] apk add --no-cache gcc musl-dev",
        "[build 2/2] cc -static -Os -o /out/hello hello.c",
        "[image 1/1] copy /hello",
      ]),
    );
    const execDigests = marshalled.digests.filter((_, i) => ops[i]?.exec);
    const lines = execDigests.map(
      (d) => def.Source?.locations?.[d]?.locations?.[0]?.ranges?.[0]?.start?.line,
    );
    expect(lines).toEqual([3, 4]);
    expect(def.Source?.infos?.[0]?.filename).toBe("scratchkit.yaml");
  });

  it("is deterministic: the same manifest gives byte-identical definitions", () => {
    const a = decode(ALPINE_HELLO).marshalled.bytes;
    const b = decode(ALPINE_HELLO).marshalled.bytes;
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it("changes only what a change touches: an edited command keeps the package step's digest", () => {
    const a = decode(ALPINE_HELLO).marshalled;
    const b = decode(ALPINE_HELLO.replace("-Os", "-O2")).marshalled;
    expect(a.digests.slice(0, 2)).toEqual(b.digests.slice(0, 2));
    expect(a.digests.at(-1)).not.toEqual(b.digests.at(-1));
  });

  it("builds for the requested platform", () => {
    const { ops } = decode(ALPINE_HELLO, { os: "linux", architecture: "arm64" });
    const platformed = ops.filter((x) => x.exec || x.source?.identifier?.startsWith("docker-image"));
    // The image source, the apk step and the compile step: an empty list would prove nothing.
    expect(platformed).toHaveLength(3);
    for (const o of platformed) {
      expect(o.platform?.Architecture).toBe("arm64");
    }
  });

  it("chains several commands through the same /out and source tree", () => {
    const { ops } = decode(
      "build:\n  image: alpine:3.22\n  run: [make, make install DESTDIR=/out]\nartifacts: [bin/x]\n",
    );
    const execs = ops.filter((o) => o.exec);
    expect(execs).toHaveLength(2);
    const second = execs[1]?.exec?.mounts ?? [];
    // The second command mounts the first one's outputs, not scratch or the raw context.
    expect(second.find((m) => m.dest === "/out")?.input).not.toBe(-1);
    expect(ops.find((o) => o.file)?.file?.actions?.[0]?.copy?.src).toBe("/bin/x");
  });
});

describe("the image stage", () => {
  const TEXT = [
    "name: srv",
    "build:",
    "  image: alpine:3.22",
    "  secrets: [token]",
    "  cache: [/root/.cache]",
    "  run: make",
    "artifacts: [{path: srv, mode: '0755'}]",
    "data: [config.json, {src: /etc/mime.types, from: build, owner: '65532'}]",
    "essentials: [nonroot, ca-certificates, tmp, {tzdata: [UTC]}]",
    "",
  ].join("\n");

  function fileActions(epoch?: number) {
    const m = loadManifest(TEXT, "scratchkit.yaml");
    const { bytes } = manifestDefinition(m, { platform: AMD64, ...(epoch !== undefined ? { epoch } : {}) });
    const ops = pb.Definition.decode(bytes).def.map((b) => pb.Op.decode(b));
    return { ops, actions: ops.find((o) => o.file)?.file?.actions ?? [] };
  }

  it("writes essentials, data and artifacts in one FileOp on scratch", () => {
    const { actions } = fileActions();
    const what = actions.map((a) =>
      a.mkdir
        ? `mkdir ${a.mkdir.path} ${a.mkdir.mode?.toString(8)}`
        : a.mkfile
          ? `mkfile ${a.mkfile.path}`
          : `copy ${a.copy?.src} ${a.copy?.dest}`,
    );
    expect(what).toEqual([
      "mkdir /etc 755",
      "mkfile /etc/passwd",
      "mkfile /etc/group",
      "mkdir /home 755",
      "mkdir /home/nonroot 700",
      "copy /tmp /tmp",
      "copy /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt",
      "copy /usr/share/zoneinfo/UTC /usr/share/zoneinfo/UTC",
      "copy /config.json /config.json",
      "copy /etc/mime.types /etc/mime.types",
      "copy /srv /srv",
    ]);
    const passwd = new TextDecoder().decode(actions[1]?.mkfile?.data ?? new Uint8Array());
    expect(passwd).toContain("nonroot:x:65532:65532:");
    expect(actions.find((a) => a.copy?.dest === "/etc/mime.types")?.copy?.owner?.user?.byID).toBe(65532);
    expect(actions.at(-1)?.copy?.mode).toBe(0o755);
    // BuildKit's mkdir drops the sticky bit, so /tmp comes from a mkdir -m 1777 in the build image.
    const { ops } = fileActions();
    expect(ops.some((o) => o.exec?.meta?.args?.join(" ") === "mkdir -m 1777 /scratchkit-tmp/tmp")).toBe(true);
  });

  it("stamps every file with SOURCE_DATE_EPOCH, staged then copied so directories keep it too", () => {
    const { ops } = fileActions(1700000000);
    const fileOps = ops.filter((o) => o.file);
    expect(fileOps).toHaveLength(2);
    const staged = fileOps[0]?.file?.actions ?? [];
    // Every action of the staging chain, not a vacuous loop over none.
    expect(staged).toHaveLength(fileActions().actions.length);
    expect(staged.length).toBeGreaterThan(5);
    for (const a of staged) {
      expect(a.mkdir?.timestamp ?? a.mkfile?.timestamp ?? a.copy?.timestamp).toBe(1700000000 * 1e9);
    }
    // The image itself is one copy of the staged tree, on scratch: still one layer.
    const final = fileOps[1]?.file?.actions ?? [];
    expect(final).toHaveLength(1);
    expect(final[0]).toMatchObject({
      input: -1,
      copy: { src: "/", dest: "/", dirCopyContents: true, timestamp: 1700000000 * 1e9 },
    });
  });

  it("mounts caches and secrets for the build step, never as data in the LLB", () => {
    const { ops } = fileActions();
    const make = ops.find((o) => o.exec?.meta?.args?.at(-1) === "make")?.exec;
    const mounts = make?.mounts ?? [];
    expect(mounts.find((m) => m.dest === "/root/.cache")).toMatchObject({
      mountType: pb.MountType.CACHE,
      cacheOpt: { ID: "/root/.cache" },
    });
    expect(mounts.find((m) => m.dest === "/run/secrets/token")).toMatchObject({
      mountType: pb.MountType.SECRET,
      secretOpt: { ID: "token" },
    });
  });
});
