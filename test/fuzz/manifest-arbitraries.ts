// Generators for the manifest fuzzer. Two families:
//   structured: manifests built from the schema's keys (presets, build, artifacts, data,
//     essentials, image, targets, args, secrets, caches, context), each value mostly valid,
//     sometimes hostile (NUL, tab, newline, "..", "/", unicode, very long, YAML-special) and
//     sometimes of the wrong type; written out as block YAML, flow YAML or JSON.
//   mutated: a valid seed manifest with a few mutations: a scalar replaced, a key renamed,
//     dropped or moved, a line duplicated, dropped or re-indented, characters inserted/deleted.
import fc from "fast-check";
import { type Document, isMap, isPair, isScalar, isSeq, parseDocument, stringify, visit } from "yaml";
import type { CaseOptions } from "./manifest-pipeline.js";
import { manifestSeeds } from "./manifest-seeds.js";

export interface FuzzCase {
  text: string;
  opts: CaseOptions;
  /** How the case was made, for reports. */
  origin: "structured" | "mutated";
}

// ---- strings

const HOSTILE_PIECES = [
  "\0",
  "\t",
  "\n",
  "\r\n",
  "\v",
  "\x7f",
  "\x1b[31m",
  "..",
  "../",
  "/..",
  "/../",
  "./",
  "/",
  "//",
  ".",
  "~",
  "*",
  "**",
  "?",
  "[",
  "]",
  "{",
  "}",
  ",",
  ":",
  ": ",
  " #",
  "#",
  "&a ",
  "*a",
  "!!str ",
  "!!binary ",
  "- ",
  "? ",
  "|",
  ">",
  "'",
  '"',
  "\\",
  "%",
  "@",
  "`",
  "$",
  "$(id)",
  "${VERSION}",
  "${",
  "=",
  "-",
  "--",
  " ",
  "\u00a0",
  "\u2028",
  "\u202e",
  "\ufeff",
  "\u00e9",
  "\u{1f600}",
  "\ud800",
  "null",
  "~",
  "true",
  "no",
  "0755",
  "0o17",
  "1e3",
  "0x10",
  ".inf",
  "-1",
  "99999999999",
  "out",
  "/out",
  "/out/",
  "/src",
  "/run/secrets",
  "/proc",
  "/etc/passwd",
  "C:\\",
  "a",
  "hello",
  "bin",
  "SIGTERM",
  "8080",
  "Europe/Paris",
];

const word = fc.stringMatching(/^[a-z][a-z0-9._-]{0,8}$/);

/** Short strings assembled from pieces that break naive parsers and path handling. */
const hostileString: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 30,
    arbitrary: fc
      .array(fc.constantFrom(...HOSTILE_PIECES), { minLength: 1, maxLength: 6 })
      .map((a) => a.join("")),
  },
  { weight: 6, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  {
    // Very long: rare, or it would dominate the run time.
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom("a", "/", "ä", "a/", "\0", "../"),
        fc.oneof(
          { weight: 20, arbitrary: fc.integer({ min: 100, max: 2000 }) },
          { weight: 1, arbitrary: fc.constant(50_000) },
        ),
      )
      .map(([s, n]) => s.repeat(n)),
  },
);

/** Paths: mostly plausible, with hostile segments mixed in. */
const pathSegment = fc.oneof(
  { weight: 50, arbitrary: word },
  {
    weight: 2,
    arbitrary: fc.constantFrom("..", ".", "", "out", "src", "etc", "Hello World", "a\tb", "a\nb", "a\0b"),
  },
  { weight: 1, arbitrary: hostileString },
);
const relPath = fc.array(pathSegment, { minLength: 1, maxLength: 4 }).map((s) => s.join("/"));
const absPath = fc.oneof(
  { weight: 20, arbitrary: relPath.map((p) => `/${p}`) },
  { weight: 1, arbitrary: relPath },
);
const pathLike = fc.oneof(
  { weight: 3, arbitrary: relPath },
  { weight: 3, arbitrary: relPath.map((p) => `/${p}`) },
  { weight: 1, arbitrary: relPath.map((p) => `/out/${p}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("/", "/out", "/src", ".", "..", "/..", "", "/out/..", "/run/secrets"),
  },
);

/** Any YAML value, for wrong-type cases. */
const anyValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("v"), { maxLength: 3 }),
    fc.dictionary(word, tie("v"), { maxKeys: 3 }),
  ),
})).v;

function optional<T extends Record<string, fc.Arbitrary<unknown>>>(model: T) {
  return fc.record(model, { requiredKeys: [] });
}

const envName = fc.oneof(
  { weight: 30, arbitrary: fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/) },
  { weight: 1, arbitrary: hostileString },
);

/**
 * A manifest shaped by the schema, as a JS value (the serializer picks the syntax). With
 * hostility 0 every value has the right type (paths and names may still be hostile); higher,
 * more values become hostile strings or values of any type, so that most cases still reach
 * the later stages and some exercise every parser error.
 */
function manifestValue(hostility: number): fc.Arbitrary<unknown> {
  /** The valid generator, or with the case's hostility a hostile string or anything. */
  function value<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
    if (hostility === 0) return valid;
    return fc.oneof(
      { weight: 200, arbitrary: valid },
      { weight: hostility, arbitrary: hostileString },
      { weight: hostility, arbitrary: anyValue },
    );
  }
  /** A valid choice, or (when hostile) sometimes a plausible invalid one. */
  function pick<T>(valid: readonly T[], invalid: readonly T[]): fc.Arbitrary<T> {
    if (hostility === 0 || invalid.length === 0) return fc.constantFrom(...valid);
    return fc.oneof(
      { weight: 40, arbitrary: fc.constantFrom(...valid) },
      { weight: hostility, arbitrary: fc.constantFrom(...invalid) },
    );
  }
  /** Names and free text: plain, or with hostile content that some rules let through. */
  const text =
    hostility === 0
      ? word
      : fc.oneof({ weight: 8, arbitrary: word }, { weight: 1, arbitrary: hostileString });
  function list<T>(item: fc.Arbitrary<T>, max = 3): fc.Arbitrary<unknown> {
    return value(fc.array(value(item), { maxLength: max }));
  }

  const envMap = value(fc.dictionary(envName, value(text), { maxKeys: 4 }));
  const mode = pick(["0755", "0644", "755", "0400", "4755", "0777", "1777"], ["999", "0", "75", "07555"]);
  const owner = fc.oneof(
    pick(
      ["0", "65532:65532", "1000", "4294967294:0"],
      ["4294967295:0", "9999999999:1", "0:4294967296", "app"],
    ),
    fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => `${a}:${b}`),
  );
  const image = pick(
    [
      "alpine:3.22",
      "alpine",
      "debian:12",
      "ubuntu",
      "rust:1-alpine",
      "scratchkit/toolchain:bookworm",
      "ghcr.io/a/b-alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ],
    [
      "localhost:5000/alpine:3.22",
      "scratchkit/toolchain::bookworm",
      "a..b",
      "UPPER:1",
      "a:b:c",
      "x@sha256:00",
      "g-",
      `${"a".repeat(300)}:1`,
    ],
  );
  /** Optional keys, but the `required` ones always there unless the case is hostile. */
  function keyed<T extends Record<string, fc.Arbitrary<unknown>>>(
    model: T,
    required: Array<keyof T & string>,
  ) {
    return fc.record(model, { requiredKeys: hostility === 0 ? required : [] });
  }
  const cacheEntry = fc.oneof(
    absPath,
    keyed(
      {
        path: value(absPath),
        id: value(text),
        sharing: value(pick(["shared", "private", "locked"], ["bogus"])),
      },
      ["path"],
    ),
  );
  const secretEntry = fc.oneof(
    text,
    keyed({ id: value(text), target: value(absPath), required: value(fc.boolean()) }, ["id"]),
  );
  const artifactPath = fc.oneof(
    { weight: 12, arbitrary: relPath },
    { weight: 4, arbitrary: relPath.map((p) => `/out/${p}`) },
    { weight: 1, arbitrary: pathLike },
  );
  const command = fc.oneof(
    fc.constantFrom("make", "cc -static -o /out/a a.c", "go build -o /out/a .", "cp a /out/ && strip /out/a"),
    hostileString,
  );
  const runEntry = fc.oneof(
    { weight: 3, arbitrary: command },
    {
      weight: 1,
      arbitrary: fc.record(
        { run: value(command), cache: list(cacheEntry, 2), secrets: list(secretEntry, 2) },
        { requiredKeys: hostility === 0 ? ["run"] : [] },
      ),
    },
  );
  const buildModel = {
    image: value(image),
    "package-manager": value(pick(["apk", "apt"], ["none", "yum"])),
    packages: list(pick(["gcc", "musl-dev", "g++", "make", "ca-certificates"], ["-rf", "a;b", ""])),
    workdir: value(absPath),
    env: envMap,
    run: value(fc.oneof(runEntry, fc.array(runEntry, { minLength: 1, maxLength: 3 }))),
    cache: list(cacheEntry, 3),
    secrets: list(secretEntry, 3),
    context: value(
      optional({
        include: list(relPath),
        exclude: list(fc.oneof(relPath, fc.constantFrom("**/*.o", "!keep", "*"))),
      }),
    ),
  };
  const build = fc.record(buildModel, { requiredKeys: hostility === 0 ? ["run"] : [] });
  const artifact = fc.oneof(
    { weight: 3, arbitrary: artifactPath },
    {
      weight: 2,
      arbitrary: keyed(
        {
          path: value(artifactPath),
          dest: value(absPath),
          mode: value(mode),
          "allow-dlopen": value(fc.boolean()),
        },
        ["path"],
      ),
    },
  );
  const dataEntry = fc.oneof(
    { weight: 3, arbitrary: relPath },
    {
      weight: 2,
      arbitrary: fc.oneof(
        keyed({ src: value(relPath), dest: value(absPath), mode: value(mode), owner: value(owner) }, ["src"]),
        keyed(
          {
            src: value(absPath),
            from: value(pick(["build"], ["stage", "context"])),
            dest: value(absPath),
            mode: value(mode),
            owner: value(owner),
          },
          ["src", "from"],
        ),
      ),
    },
  );
  const essential = fc.oneof(
    pick(["nonroot", "ca-certificates", "tmp"], ["tzdata", "nonrot"]),
    fc.record({
      tzdata: list(
        fc.oneof(
          { weight: 10, arbitrary: fc.constantFrom("UTC", "Europe/Paris", "America/New_York", "Etc/GMT+1") },
          { weight: 1, arbitrary: fc.oneof(fc.constantFrom("../../etc/shadow", "UTC/.."), relPath) },
        ),
      ),
    }),
  );
  const imageSpec = optional({
    entrypoint: value(fc.array(fc.oneof(pathLike, word), { minLength: 1, maxLength: 3 })),
    cmd: value(fc.array(text, { minLength: 1, maxLength: 3 })),
    env: envMap,
    user: value(pick(["65532:65532", "root", "0", "app:app", "1000"], ["a b", ":"])),
    workdir: value(absPath),
    labels: value(fc.dictionary(text, value(text), { maxKeys: 3 })),
    ports: list(pick(["8080", "53/udp", "443/tcp"], ["99999", "0", "80/http"])),
    volumes: list(absPath, 2),
    "stop-signal": value(pick(["SIGTERM", "SIGINT", "9"], ["TERM", "SIG"])),
  });
  const targetBody = fc.record(
    {
      description: value(text),
      artifacts: list(artifact, 3),
      data: list(dataEntry, 3),
      essentials: list(essential, 3),
      image: value(imageSpec),
    },
    { requiredKeys: hostility === 0 ? ["artifacts"] : [] },
  );
  const nonEmpty = (a: fc.Arbitrary<unknown>) => value(fc.array(value(a), { minLength: 1, maxLength: 4 }));
  const common = {
    version: value(pick([1, "1"], [2])),
    args: value(fc.dictionary(envName, fc.oneof(text, fc.constant(null), fc.integer()), { maxKeys: 3 })),
    data: list(dataEntry, 3),
    essentials: list(essential, 3),
    image: value(imageSpec),
    targets: value(fc.dictionary(text, value(targetBody), { maxKeys: 2 })),
  };
  // A build with artifacts, or a preset with its name; hostile cases may miss either.
  const explicit = fc.record(
    {
      ...common,
      name: value(fc.oneof(word, pick(["hello"], ["Hello", "a b", "."]))),
      build: value(build),
      artifacts: nonEmpty(artifact),
    },
    { requiredKeys: hostility === 0 ? ["build", "artifacts"] : [] },
  );
  const preset = fc.record(
    {
      ...common,
      preset: value(pick(["c", "c++", "go", "rust", "zig"], ["cobol"])),
      name: value(fc.oneof(word, pick(["hello"], ["Hello", "a b", "."]))),
      build: value(optional(buildModel)),
    },
    { requiredKeys: hostility === 0 ? ["preset", "name"] : [] },
  );
  return fc.oneof({ weight: 3, arbitrary: explicit }, { weight: 1, arbitrary: preset });
}

function serialize(v: unknown, how: "block" | "flow" | "json"): string {
  if (how === "json") return JSON.stringify(v) ?? "null";
  return stringify(v, how === "flow" ? { collectionStyle: "flow", lineWidth: 0 } : { lineWidth: 0 });
}

const caseOptions: fc.Arbitrary<CaseOptions> = optional({
  buildArgs: fc.array(
    fc.tuple(
      fc.oneof(fc.constantFrom("VERSION", "FLAVOUR", "SOURCE_DATE_EPOCH"), envName),
      fc.oneof(word, hostileString),
    ),
    { maxLength: 3 },
  ),
  epoch: fc.oneof(
    fc.constantFrom(
      "1700000000",
      "0",
      "-1",
      "4611686018",
      "4611686019",
      "99999999999999",
      "1e9",
      "",
      " 1",
      "+5",
    ),
    fc.integer({ min: 0, max: 2 ** 32 }).map(String),
  ),
  noCache: fc.boolean(),
  network: fc.constantFrom("sandbox", "host", "none") as fc.Arbitrary<CaseOptions["network"]>,
});

export const structuredCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(
    fc.oneof(
      { weight: 3, arbitrary: manifestValue(0) },
      { weight: 2, arbitrary: manifestValue(1) },
      { weight: 1, arbitrary: manifestValue(4) },
    ),
    fc.constantFrom("block", "flow", "json") as fc.Arbitrary<"block" | "flow" | "json">,
    fc.boolean(),
    caseOptions,
  )
  .map(([v, how, syntax, opts]) => ({
    text: `${syntax ? "# syntax=scratchkit/frontend:dev\n" : ""}${serialize(v, how)}`,
    opts,
    origin: "structured" as const,
  }));

// ---- mutations of valid seeds

type Mutation =
  | { kind: "scalar"; pick: number; value: unknown }
  | { kind: "drop-pair"; pick: number }
  | { kind: "rename-key"; pick: number; to: string }
  | { kind: "move-pair"; pick: number; into: number }
  | { kind: "line"; op: "dup" | "drop" | "indent" | "dedent" | "swap"; pick: number; other: number }
  | { kind: "chars"; at: number; del: number; insert: string }
  | { kind: "snippet"; at: number; snippet: string };

/** YAML's own hazards: anchors and aliases, merge keys, tags, deep nesting, directives, documents. */
const YAML_SNIPPETS: readonly string[] = [
  "x: &a [1, 2]\ny: *a",
  "<<: {run: make}",
  "? [complex, key]\n: value",
  "!!binary aGVsbG8=",
  "!!set {a: null}",
  "!custom tag",
  "---\nsecond: document",
  "%YAML 1.1\n---",
  "\ufeffbom: 1",
  "key: |\n  literal\n  block",
  "key: >-\n  folded",
  "a: &anchor\n  b: *anchor",
  `deep: ${"[".repeat(3000)}${"]".repeat(3000)}`,
  `deep: ${"{a: ".repeat(2000)}1${"}".repeat(2000)}`,
  "l0: &l0 [x, x]\nl1: &l1 [*l0, *l0]\nl2: &l2 [*l1, *l1]\nl3: &l3 [*l2, *l2]\nl4: [*l3, *l3, *l3]",
  "... ",
  "'unterminated",
  '"\\ud800"',
];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("scalar" as const),
      pick: fc.nat(),
      value: fc.oneof(pathLike, hostileString, anyValue),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("drop-pair" as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("rename-key" as const),
      pick: fc.nat(),
      to: fc.oneof(
        fc.constantFrom(
          "path",
          "dest",
          "src",
          "image",
          "run",
          "artifacts",
          "data",
          "targets",
          "mdoe",
          "entrypiont",
          "cache",
          "secrets",
          "workdir",
        ),
        hostileString,
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("move-pair" as const), pick: fc.nat(), into: fc.nat() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("line" as const),
      op: fc.constantFrom("dup", "drop", "indent", "dedent", "swap") as fc.Arbitrary<
        "dup" | "drop" | "indent" | "dedent" | "swap"
      >,
      pick: fc.nat(),
      other: fc.nat(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("snippet" as const),
      at: fc.nat(),
      snippet: fc.oneof(
        fc.constantFrom(...YAML_SNIPPETS),
        fc.constantFrom(...YAML_SNIPPETS).map((x) => x.replace(/^/gm, "  ")),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("chars" as const),
      at: fc.nat(),
      del: fc.nat({ max: 4 }),
      insert: fc.oneof(fc.constantFrom(...HOSTILE_PIECES), fc.string({ maxLength: 3 })),
    }),
  },
);

/** Applies one mutation to a manifest text; the YAML ones re-serialize the document. */
export function mutate(text: string, m: Mutation): string {
  if (m.kind === "snippet") {
    const lines = text.split("\n");
    lines.splice(m.at % (lines.length + 1), 0, m.snippet);
    return lines.join("\n");
  }
  if (m.kind === "chars") {
    const at = m.at % (text.length + 1);
    return text.slice(0, at) + m.insert + text.slice(at + m.del);
  }
  if (m.kind === "line") {
    const lines = text.split("\n");
    const i = m.pick % lines.length;
    const j = m.other % lines.length;
    const line = lines[i] ?? "";
    if (m.op === "dup") lines.splice(i, 0, line);
    else if (m.op === "drop") lines.splice(i, 1);
    else if (m.op === "indent") lines[i] = `  ${line}`;
    else if (m.op === "dedent") lines[i] = line.replace(/^ {1,2}/, "");
    else [lines[i], lines[j]] = [lines[j] ?? "", line];
    return lines.join("\n");
  }
  try {
    return mutateTree(text, m);
  } catch {
    // A value the YAML writer cannot represent: keep the text as it was.
    return text;
  }
}

function mutateTree(text: string, m: Exclude<Mutation, { kind: "chars" | "line" | "snippet" }>): string {
  const doc = documentOf(text);
  if (doc.errors.length > 0) return text;
  const scalars: Array<{ parent: unknown; key: unknown }> = [];
  const pairs: Array<{ map: unknown; index: number }> = [];
  const maps: unknown[] = [];
  visit(doc, {
    Scalar(key, _node, path) {
      scalars.push({ parent: path[path.length - 1], key });
    },
    Map(_key, node) {
      maps.push(node);
      node.items.forEach((_p, index) => {
        pairs.push({ map: node, index });
      });
    },
  });
  if (m.kind === "scalar" && scalars.length > 0) {
    const s = scalars[m.pick % scalars.length];
    const node = doc.createNode(m.value);
    if (isPair(s?.parent)) {
      if (s.key === "key") s.parent.key = node;
      else s.parent.value = node;
    } else if (isSeq(s?.parent) && typeof s.key === "number") s.parent.items[s.key] = node;
  } else if (
    (m.kind === "drop-pair" || m.kind === "rename-key" || m.kind === "move-pair") &&
    pairs.length > 0
  ) {
    const p = pairs[m.pick % pairs.length];
    if (p && isMap(p.map)) {
      const pair = p.map.items[p.index];
      if (m.kind === "drop-pair") p.map.items.splice(p.index, 1);
      else if (m.kind === "rename-key" && pair && isScalar(pair.key)) pair.key.value = m.to;
      else if (m.kind === "move-pair" && pair) {
        const target = maps[m.into % maps.length];
        if (isMap(target) && target !== p.map) {
          p.map.items.splice(p.index, 1);
          target.items.push(pair);
        }
      }
    }
  }
  return doc.toString({ lineWidth: 0 });
}

// Most mutation chains start on a seed: parse each seed once and mutate clones.
const seedDocs = new Map<string, Document>();
function documentOf(text: string): Document {
  const cached = seedDocs.get(text);
  if (cached) return cached.clone();
  const doc = parseDocument(text);
  if (seeds().includes(text)) seedDocs.set(text, doc.clone());
  return doc;
}

let seedCache: string[] | undefined;
export function seeds(): string[] {
  seedCache ??= manifestSeeds();
  return seedCache;
}

export const mutatedCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), caseOptions)
  .map(([pick, mutations, opts]) => {
    const all = seeds();
    let text = all[pick % all.length] ?? "";
    for (const m of mutations) text = mutate(text, m);
    return { text, opts, origin: "mutated" as const };
  });

/** Half structured, half mutated. */
export const manifestCase: fc.Arbitrary<FuzzCase> = fc.oneof(structuredCase, mutatedCase);
