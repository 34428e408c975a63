import Docker from "dockerode";
import tar from "tar-stream";
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
const dir = "/tmp/ctx10/m";
const port = process.argv[2];
const time = (f) => { const s = performance.now(); f(); return performance.now() - s; };
const docker = new Docker();
async function api() {
  const pack = tar.pack();
  for (const n of ["scratchkit.yaml", "hello.c"]) pack.entry({ name: n }, readFileSync(`${dir}/${n}`));
  pack.finalize();
  const s = performance.now();
  const stream = await docker.buildImage(pack, { dockerfile: "scratchkit.yaml", version: "2", t: "ctx10-m:api" });
  const ev = await new Promise((res, rej) => docker.modem.followProgress(stream, (e, r) => (e ? rej(e) : res(r))));
  if (ev.some((e) => e.errorDetail)) throw new Error(JSON.stringify(ev.filter((e) => e.errorDetail)));
  return performance.now() - s;
}
const bx = (ctx) => time(() => { const r = spawnSync(process.env.SCRATCHKIT_DOCKER, ["buildx", "build", "-q", "-f", "scratchkit.yaml", "-t", "ctx10-m:x", "--load", ctx], { cwd: dir }); if (r.status) throw new Error(String(r.stderr)); });
const rows = [];
for (let i = 0; i < 4; i++) rows.push({ local: bx("."), git: bx(`git://127.0.0.1:${port}/repo.git`), api: await api() });
console.log(JSON.stringify(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Math.round(v)])))));
