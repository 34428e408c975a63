// 5. Image size: what the image holds against the artifacts it was asked to ship.
import { connectDocker } from "../src/engine/docker.js";
import { imageContents } from "../src/engine/image-contents.js";
import { helloContext } from "./fixtures.js";
import { mustBuild, type Section } from "./lib.js";

export async function imageSize(): Promise<Section> {
  const ctx = helloContext("size");
  const sk = mustBuild(ctx, { file: "scratchkit.yaml", tag: "scratchkit-bench/size-scratchkit:latest" });
  const df = mustBuild(ctx, { file: "Dockerfile", tag: "scratchkit-bench/size-dockerfile:latest" });
  const docker = connectDocker();
  const measure = async (tag: string) => {
    const c = await imageContents(docker, tag);
    const files = c.layers.flatMap((l) => l.files);
    const regular = files.filter((f) => f.type === "file");
    return {
      imageBytes: c.size,
      fileBytes: regular.reduce((n, f) => n + f.size, 0),
      entries: files.map((f) => `${f.type} ${f.path} ${f.size}`),
      layers: c.layers.length,
    };
  };
  const a = await measure("scratchkit-bench/size-scratchkit:latest");
  const b = await measure("scratchkit-bench/size-dockerfile:latest");
  // The only artifact is /hello: compare with what the build wrote to /out, read back from the image.
  const isArtifact = (e: string) => /^file (\.\/|\/)?hello /.test(e);
  const artifactBytes = Number(a.entries.find(isArtifact)?.split(" ")[2] ?? Number.NaN);
  const extra = a.entries.filter((e) => !isArtifact(e));
  return {
    rows: [
      { section: "size", metric: "scratchkit image bytes", value: a.imageBytes, unit: "B" },
      {
        section: "size",
        metric: "scratchkit artifact bytes",
        value: artifactBytes,
        unit: "B",
        target: "= image bytes",
        met: a.imageBytes === artifactBytes && extra.length === 0,
        note: extra.length
          ? `other entries: ${extra.join(", ")}`
          : `layers ${a.layers}, entries: ${a.entries.join(", ")}`,
      },
      {
        section: "size",
        metric: "dockerfile image bytes",
        value: b.imageBytes,
        unit: "B",
        note: b.entries.join(", "),
      },
    ],
    details: { scratchkit: a, dockerfile: b, scratchkitImage: sk.imageId, dockerfileImage: df.imageId },
  };
}
