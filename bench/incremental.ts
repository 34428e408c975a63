// 3. Incremental rebuilds, from the rawjson vertex stream: after editing the one source file only
// the compile step may run; after changing only image config (a label) no exec step may run.
import { appendFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { helloContext, helloManifest } from "./fixtures.js";
import { type Build, benchImage, docker, mustBuild, ranSteps, type Section } from "./lib.js";

/** Exec steps are the plan's `[build i/n] ...` vertices. */
const isExec = (name: string) => name.startsWith("[build ");

export function incremental(): Section {
  const ctx = helloContext("incremental");
  const opts = {
    file: "scratchkit.yaml",
    tag: benchImage("incremental"),
    expectFrontendDone: true,
  };
  mustBuild(ctx, opts);
  mustBuild(ctx, opts);

  appendFileSync(join(ctx, "hello.c"), `/* edited ${Date.now()} */\n`);
  const edit = mustBuild(ctx, opts);
  const e = ranSteps(edit);
  const editOk = e.own.length === 1 && isExec(e.own[0] ?? "") && (e.own[0] ?? "").includes("musl-gcc");

  const nonce = String(Date.now());
  writeFileSync(
    join(ctx, "scratchkit.yaml"),
    helloManifest(`image:\n  labels:\n    bench.nonce: "${nonce}"\n`),
  );
  const label = mustBuild(ctx, opts);
  const l = ranSteps(label);
  const labelExec = l.own.filter(isExec);
  const labelLanded = hasLabel(label, nonce);

  // The same with the manifest kept out of the context: is the manifest in the compile's mount the cause?
  writeFileSync(join(ctx, ".dockerignore"), "scratchkit.yaml\nDockerfile*\n");
  mustBuild(ctx, opts);
  writeFileSync(
    join(ctx, "scratchkit.yaml"),
    helloManifest(`image:\n  labels:\n    bench.nonce: "${nonce}-2"\n`),
  );
  const ign = ranSteps(mustBuild(ctx, opts));
  const ignExec = ign.own.filter(isExec);
  rmSync(join(ctx, ".dockerignore"));
  mustBuild(ctx, opts); // the context changed back: settle it before the next check

  // A label given on the command line (frontend opt label:*): image config only, too.
  const cli = mustBuild(ctx, { ...opts, extra: ["--label", `bench.cli=${nonce}`] });
  const c = ranSteps(cli);
  const cliExec = c.own.filter(isExec);

  // The same edit through the Dockerfile, for reference.
  appendFileSync(join(ctx, "hello.c"), `/* edited again ${Date.now()} */\n`);
  mustBuild(ctx, { file: "Dockerfile" });
  appendFileSync(join(ctx, "hello.c"), `/* and again ${Date.now()} */\n`);
  const dfEdit = ranSteps(mustBuild(ctx, { file: "Dockerfile" }));

  const list = (xs: string[]) => (xs.length ? xs.join("; ") : "none");
  return {
    rows: [
      {
        section: "incremental",
        metric: "source edit: steps run",
        value: e.own.length,
        target: "only the compile step",
        met: editOk,
        note: list(e.own),
      },
      {
        section: "incremental",
        metric: "source edit: internal vertices run",
        value: e.internal.length,
        note: list(e.internal),
      },
      {
        section: "incremental",
        metric: "label change: exec steps run",
        value: labelExec.length,
        target: "0",
        met: labelExec.length === 0 && labelLanded,
        note: `steps run: ${list(l.own)}${labelLanded ? "" : "; the label is NOT in the image"}`,
      },
      {
        section: "incremental",
        metric: "label change: internal vertices run",
        value: l.internal.length,
        note: list(l.internal),
      },
      {
        section: "incremental",
        metric: "label change, manifest in .dockerignore: exec steps run",
        value: ignExec.length,
        note: `steps run: ${list(ign.own)}`,
      },
      {
        section: "incremental",
        metric: "--label change: exec steps run",
        value: cliExec.length,
        target: "0",
        met: cliExec.length === 0,
        note: `steps run: ${list(c.own)}`,
      },
      {
        section: "incremental",
        metric: "dockerfile source edit: steps run",
        value: dfEdit.own.length,
        note: list(dfEdit.own),
      },
    ],
    details: {
      edit: e,
      label: l,
      labelWithDockerignore: ign,
      cliLabel: c,
      dockerfileEdit: dfEdit,
      labelImageHasLabel: labelLanded,
    },
    builds: { edit: [edit], label: [label] },
  };
}

/** The label must really be in the image, or "no exec step ran" proves nothing. */
function hasLabel(b: Build, nonce: string): boolean {
  if (!b.imageId) return false;
  const labels = JSON.parse(
    docker(["image", "inspect", "-f", "{{json .Config.Labels}}", b.imageId]),
  ) as Record<string, string> | null;
  return labels?.["bench.nonce"] === nonce;
}
