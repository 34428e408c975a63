// `npm run fuzz:manifest [-- --count N --seed S --verbose]`: the manifest fuzzer at length.
// Prints cases, failures by class (with the shortest input of each), the slowest input and its
// time, and the seed to reproduce. Exit 1 on any failure.
import { parseArgs } from "node:util";
import { type FuzzStats, fuzzManifests } from "./manifest-run.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "100000" },
    seed: { type: "string", default: String(Date.now() % 2 ** 31) },
    verbose: { type: "boolean", default: false },
  },
});
const count = Number(values.count);
const seed = Number(values.seed);
if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(seed)) {
  console.error("usage: npm run fuzz:manifest -- [--count N] [--seed S] [--verbose]");
  process.exit(2);
}
console.log(`fuzz:manifest seed=${seed} cases=${count}`);
const stats = fuzzManifests(count, seed, (done, s) => {
  process.stderr.write(
    `  ${done} cases, ${s.failures} failures, ${(performance.now() / 1000).toFixed(0)} s\n`,
  );
});
report(stats);
process.exit(stats.failures > 0 ? 1 : 0);

function report(s: FuzzStats): void {
  const show = (text: string) => JSON.stringify(text.length > 400 ? `${text.slice(0, 400)}…` : text);
  console.log(
    `cases ${s.cases} (built ${s.built}, rejected with a located error ${s.rejected}), failures ${s.failures}, ${(s.ms / 1000).toFixed(1)} s (${((s.ms / s.cases) * 1000).toFixed(0)} µs/case)`,
  );
  for (const c of s.classes) {
    console.log(`  ${String(c.count).padStart(6)}  ${c.kind}`);
    console.log(`          shortest input (${c.example.origin}): ${show(c.example.text)}`);
    if (Object.keys(c.example.opts).length > 0)
      console.log(`          options: ${show(JSON.stringify(c.example.opts))}`);
    console.log(
      `          ${values.verbose ? c.detail : show(c.detail.split("\n").slice(0, 3).join(" | "))}`,
    );
  }
  const slow = s.slowest.case;
  console.log(
    `slowest input: ${s.slowest.ms.toFixed(1)} ms wall clock, ${s.slowest.cpuMs?.toFixed(1)} ms of CPU run again (${slow?.origin}, ${slow?.text.length} chars): ${slow ? show(slow.text) : ""}`,
  );
  console.log(`reproduce: npm run fuzz:manifest -- --count ${s.cases} --seed ${s.seed}`);
}
