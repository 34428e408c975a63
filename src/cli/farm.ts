// `scratchkit farm serve|submit|watch|ls|cancel`: the build farm's service and its client.
import { existsSync, statSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { FarmClient, tarDirectory } from "../farm/client.js";
import { DEFAULT_ADDR, devConfig, loadConfig } from "../farm/config.js";
import { LiveProgress } from "../farm/live-progress.js";
import { PlainProgress } from "../farm/progress.js";
import { startFarm } from "../farm/server.js";
import { type BuildSpec, type Job, JobState, stateName, TERMINAL } from "../farm/types.js";
import { log } from "../log.js";
import { type Command, type Out, type Parsed, UsageError } from "./command.js";

const list = (v: unknown): string[] =>
  Array.isArray(v) ? (v as string[]) : typeof v === "string" ? [v] : [];

function keyValues(items: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of items) {
    const i = kv.indexOf("=");
    if (i <= 0) throw new UsageError(`${flag} ${kv}: expected KEY=VALUE`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

/** The context argument as a spec field: a directory (uploaded), a tarball URL or a git URL. */
export function contextOf(arg: string): Pick<BuildSpec, "upload" | "gitUrl" | "httpUrl"> {
  if (/^https?:\/\//.test(arg) && /\.(tar|tar\.gz|tgz)(\?.*)?$/.test(arg)) return { httpUrl: arg };
  if (/^(https?|git|ssh):\/\//.test(arg) || /^[\w.-]+@[\w.-]+:/.test(arg)) return { gitUrl: arg };
  if (!existsSync(arg) || !statSync(arg).isDirectory())
    throw new UsageError(`${arg}: not a directory or a URL`);
  return { upload: true };
}

function client(values: Parsed["values"]): FarmClient {
  const server = (values.server as string | undefined) ?? process.env.SCRATCHKIT_FARM_ADDR ?? DEFAULT_ADDR;
  const token = (values.token as string | undefined) ?? process.env.SCRATCHKIT_FARM_TOKEN;
  return new FarmClient(server, token);
}

function describe(job: Job): string {
  const when = job.createdMs ? new Date(Number(job.createdMs)).toISOString() : "";
  const what = job.error?.message?.split("\n")[0] ?? job.result?.imageId ?? "";
  return [job.id, stateName(job.state), job.engine || "-", when, what].join("\t");
}

/** Follows a job: a live view on a terminal, plain progress lines otherwise; returns its final state. */
async function follow(c: FarmClient, id: string, out: Out): Promise<JobState> {
  if (process.stderr.isTTY) {
    const live = new LiveProgress(process.stderr);
    const timer = setInterval(() => live.tick(), 250);
    try {
      await c.watch(id, (e) => live.event(e));
    } finally {
      clearInterval(timer);
      live.end();
    }
  } else {
    const progress = new PlainProgress();
    await c.watch(id, (e) => {
      for (const l of progress.lines(e)) out.stderr(l);
    });
  }
  return (await c.get(id)).state as JobState;
}

async function serve(values: Parsed["values"], out: Out): Promise<number> {
  const file = values.config as string | undefined;
  const config = file ? loadConfig(file) : devConfig();
  const farm = await startFarm(config, log);
  out.stderr(
    `scratchkit farm listening on ${farm.address} (engines: ${config.engines.map((e) => e.name).join(", ")})`,
  );
  await new Promise<void>((res) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      out.stderr("scratchkit farm: shutting down (running builds get the grace period, then are requeued)");
      farm.close().then(res, res);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  return 0;
}

async function submit(p: Parsed, out: Out): Promise<number> {
  const v = p.values;
  const arg = p.positionals[1] ?? ".";
  const ctx = contextOf(arg);
  const sde = v["source-date-epoch"] as string | undefined;
  if (sde !== undefined && !/^\d+$/.test(sde))
    throw new UsageError(`--source-date-epoch ${sde}: expected seconds`);
  const spec: BuildSpec = {
    ...ctx,
    manifest: (v.file as string | undefined) ?? "scratchkit.yaml",
    target: (v.target as string | undefined) ?? "",
    platforms: list(v.platform).flatMap((s) => s.split(",")),
    buildArgs: keyValues(list(v["build-arg"]), "--build-arg"),
    labels: keyValues(list(v.label), "--label"),
    tags: list(v.tag),
    push: Boolean(v.push),
    noCache: Boolean(v["no-cache"]),
    idempotencyKey: (v["idempotency-key"] as string | undefined) ?? "",
    ...(sde !== undefined && { sourceDateEpoch: Number(sde) }),
  };
  const c = client(v);
  try {
    const job = await c.submit(spec, ctx.upload ? tarDirectory(arg) : undefined);
    out.stdout(job.id as string);
    if (!v.wait) return 0;
    return (await follow(c, job.id as string, out)) === JobState.SUCCEEDED ? 0 : 1;
  } finally {
    c.close();
  }
}

async function run(p: Parsed, out: Out): Promise<number> {
  const [sub, id] = p.positionals;
  if (sub === "serve") return serve(p.values, out);
  if (sub === "submit") return submit(p, out);
  if (sub === "ls") {
    const c = client(p.values);
    try {
      const states = list(p.values.state).map((s) => {
        const n = JobState[s.toUpperCase() as keyof typeof JobState];
        if (n === undefined)
          throw new UsageError(`--state ${s}: expected queued, running, succeeded, failed or cancelled`);
        return n;
      });
      const page = await c.list(states, 50);
      for (const j of page.jobs) out.stdout(describe(j));
      return 0;
    } finally {
      c.close();
    }
  }
  if (sub === "watch" || sub === "cancel") {
    if (!id) throw new UsageError(`farm ${sub}: no job id given`);
    const c = client(p.values);
    try {
      if (sub === "cancel") {
        out.stdout(describe(await c.cancel(id)));
        return 0;
      }
      const state = await follow(c, id, out);
      return state === JobState.SUCCEEDED ? 0 : TERMINAL.has(state) ? 1 : 0;
    } finally {
      c.close();
    }
  }
  throw new UsageError(
    sub ? `unknown farm command ${sub}` : "no farm command given (serve, submit, watch, ls, cancel)",
  );
}

export const farmCommand: Command = {
  name: "farm",
  synopsis: "serve [--config FILE] | submit [DIR|URL] [options] | watch ID | ls | cancel ID",
  summary: "the build farm: run the service, or submit and follow builds on it",
  details: `farm serve:   runs the service (without --config: the engine from npm run engine, ./.farm,
              127.0.0.1:7337 and the token in SCRATCHKIT_FARM_TOKEN)
farm submit:  submits DIR (uploaded as a tar; default .), a git URL (URL#ref:subdir) or an
              HTTP tarball URL, and prints the job id
farm watch:   follows a job's progress from its start
farm ls:      lists jobs, newest first (--state to filter)
farm cancel:  cancels a queued or running job

options:
  --config FILE            serve: the farm's config file (see deploy/farm/)
  --server ADDR            the farm's address (default $SCRATCHKIT_FARM_ADDR or ${DEFAULT_ADDR})
  --token TOKEN            bearer token (default $SCRATCHKIT_FARM_TOKEN)
  -f, --file PATH          the manifest's path in the context (default scratchkit.yaml)
  -t, --tag TAG            image tag (repeatable)
  --platform P[,P]         target platforms
  --build-arg K=V          build argument (repeatable)
  --label K=V              image label (repeatable)
  --target NAME            target to build
  --push                   push the tags with the farm's registry credentials
  --no-cache               build without BuildKit's cache
  --source-date-epoch N    SOURCE_DATE_EPOCH for a reproducible image
  --idempotency-key KEY    the same key returns the same job
  --wait                   follow the job and exit with its result
  --state STATE            ls: only jobs in this state (repeatable)

exit status: 0 done (with --wait/watch: the build succeeded), 1 the build failed or the farm
refused the request, 2 usage error.`,
  options: {
    config: { type: "string" },
    server: { type: "string" },
    token: { type: "string" },
    file: { type: "string", short: "f" },
    tag: { type: "string", short: "t", multiple: true },
    platform: { type: "string", multiple: true },
    "build-arg": { type: "string", multiple: true },
    label: { type: "string", multiple: true },
    target: { type: "string" },
    push: { type: "boolean" },
    "no-cache": { type: "boolean" },
    "source-date-epoch": { type: "string" },
    "idempotency-key": { type: "string" },
    wait: { type: "boolean" },
    state: { type: "string", multiple: true },
  },
  async run(p, out) {
    try {
      return await run(p, out);
    } catch (err) {
      // The farm's refusals (gRPC status) are the command's "no": exit 1 with the farm's message.
      const e = err as Partial<grpc.ServiceError>;
      if (typeof e.code === "number" && e.details !== undefined) {
        out.stderr(`scratchkit farm: ${grpc.status[e.code] ?? e.code}: ${e.details}`);
        return 1;
      }
      throw err;
    }
  },
};
