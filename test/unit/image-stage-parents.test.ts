// mode: on a file whose directories do not exist yet: BuildKit's copy would give them the
// file's mode (moby/buildkit#5943), so the image stage makes them 0755 first, owned like the
// file, and only once. The e2e suite (gate-holes) proves the modes in a real image.
import { describe, expect, it } from "vitest";
import { pb } from "../../src/gen/proto.js";
import { manifestDefinition } from "../../src/graph/definition.js";
import { loadManifest } from "../../src/plan/manifest.js";

const AMD64 = { os: "linux", architecture: "amd64" };
const TEXT = [
  "build: {image: alpine:3.22, run: make}",
  "artifacts: [{path: app, dest: /opt/tools/app, mode: '0700'}, {path: b, dest: /opt/tools/b, mode: '0755'}, {path: c, mode: '0755'}]",
  "data: [{src: app.conf, dest: /conf/app.conf, mode: '0640', owner: '65532:65532'}, {src: x, dest: /etc/x}]",
  "essentials: [nonroot]",
  "",
].join("\n");

function actions(text = TEXT) {
  const { bytes } = manifestDefinition(loadManifest(text, "scratchkit.yaml"), { platform: AMD64 });
  const ops = pb.Definition.decode(bytes).def.map((b) => pb.Op.decode(b));
  return { bytes, actions: ops.find((o) => o.file)?.file?.actions ?? [] };
}

describe("mode: and missing parent directories", () => {
  it("makes the parents 0755 (owned like the file) before a copy with a mode, once each", () => {
    const what = actions().actions.map((a) =>
      a.mkdir
        ? `mkdir ${a.mkdir.path} ${a.mkdir.mode?.toString(8)}${a.mkdir.makeParents ? " -p" : ""}${a.mkdir.owner?.user?.byID ? ` ${a.mkdir.owner.user.byID}:${a.mkdir.owner.group?.byID}` : ""}`
        : a.mkfile
          ? `mkfile ${a.mkfile.path}`
          : `copy ${a.copy?.src} ${a.copy?.dest}${(a.copy?.mode ?? -1) >= 0 ? ` ${a.copy?.mode?.toString(8)}` : ""}`,
    );
    expect(what).toEqual([
      "mkdir /etc 755 -p",
      "mkfile /etc/passwd",
      "mkfile /etc/group",
      "mkdir /home 755 -p",
      "mkdir /home/nonroot 700 65532:65532",
      "mkdir /conf 755 -p 65532:65532",
      "copy /app.conf /conf/app.conf 640",
      "copy /x /etc/x", // no mode: BuildKit's default parents are 0755 already
      "mkdir /opt/tools 755 -p",
      "copy /app /opt/tools/app 700",
      "copy /b /opt/tools/b 755", // /opt/tools is made already
      "copy /c /c 755", // the root exists
    ]);
  });

  it("stays deterministic", () => {
    expect(Buffer.from(actions().bytes).equals(Buffer.from(actions().bytes))).toBe(true);
  });
});
