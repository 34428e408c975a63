// 5. Image size: what the image holds against the artifacts it was asked to ship.
import { connectDocker } from "../src/engine/docker.js";
import { imageContents } from "../src/engine/image-contents.js";
import { helloContext } from "./fixtures.js";
import { benchImage, FRONTEND, mustBuild, type Section } from "./lib.js";

const SK_TAG = benchImage("size-scratchkit");
const DF_TAG = benchImage("size-dockerfile");

export async function imageSize(): Promise<Section> {
  const ctx = helloContext("size");
  const sk = mustBuild(ctx, { file: "scratchkit.yaml", tag: SK_TAG });
  const df = mustBuild(ctx, { file: "Dockerfile", tag: DF_TAG });
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
  const a = await measure(SK_TAG);
  const b = await measure(DF_TAG);
  // The only artifact is /hello: compare with what the build wrote to /out, read back from the image.
  const isArtifact = (e: string) => /^file (\.\/|\/)?hello /.test(e);
  const artifactBytes = Number(a.entries.find(isArtifact)?.split(" ")[2] ?? Number.NaN);
  const extra = a.entries.filter((e) => !isArtifact(e));
  // The frontend image itself, as `docker image ls` counts it (unpacked; the containerd image
  // store's inspect Size is the compressed content, reported beside it).
  const [listed] = await docker.listImages({ filters: { reference: [FRONTEND] } });
  const frontendImageBytes = listed?.Size;
  const frontendContentBytes = (await docker.getImage(FRONTEND).inspect()).Size;
  return {
    rows: [
      {
        section: "size",
        metric: `frontend image bytes (${FRONTEND})`,
        value: frontendImageBytes ?? "unknown",
        unit: "B",
        note: `compressed content ${frontendContentBytes} B`,
      },
      { section: "size", metric: "scratchkit image bytes", value: a.imageBytes, unit: "B" },
      {
        section: "size",
        metric: "scratchkit bytes of files in the image",
        value: a.fileBytes,
        unit: "B",
        // The containerd store's image size is compressed content, so what is compared is the
        // files the layers hold against the artifact: nothing else may ship.
        target: `= artifact bytes (${artifactBytes})`,
        met: a.fileBytes === artifactBytes && extra.length === 0,
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
    details: {
      frontendImageBytes,
      frontendContentBytes,
      scratchkit: a,
      dockerfile: b,
      scratchkitImage: sk.imageId,
      dockerfileImage: df.imageId,
    },
  };
}
