// The build context's forms as the engine and buildx send them (recorded opts), parsed the
// way dockerui detects git and HTTP contexts; the HTTP op as dockerui marshals it.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { isArchive } from "../../src/frontend/archive-sniff.js";
import { parseBuildConfig } from "../../src/gateway/build-config.js";
import { parseRemoteContext } from "../../src/gateway/context-ref.js";
import { OptsError, parseOpts } from "../../src/gateway/opts.js";
import * as llb from "../../src/llb/index.js";
import { decode } from "./llb/wire.js";

const recorded = JSON.parse(
  readFileSync(new URL("./fixtures/engine-context-opts.json", import.meta.url), "utf8"),
) as Record<string, Record<string, string>>;
const config = (o: Record<string, string>) =>
  parseBuildConfig(
    parseOpts(
      Object.fromEntries(Object.entries(o).map(([k, v], i) => [`BUILDKIT_FRONTEND_OPT_${i}`, `${k}=${v}`])),
    ),
    [],
  );

const bake = JSON.parse(
  readFileSync(new URL("./fixtures/bake-input-opts.json", import.meta.url), "utf8"),
) as Record<string, Record<string, string>>;

describe("named contexts as the engine sends them", () => {
  it("reads buildx bake's target:gen, forwarded by the builtin frontend, as a frontend input", () => {
    const named = config(bake.bake ?? {}).namedContexts;
    expect([...named]).toEqual([
      ["gen", { kind: "input", ref: "0-gen", imageConfig: expect.any(Uint8Array) }],
    ]);
    // input-metadata:0-gen carries gen's image config (a FROM scratch image: the default PATH only)
    const image = JSON.parse(Buffer.from(named.get("gen")?.imageConfig ?? []).toString());
    expect(image).toMatchObject({ os: "linux", config: { Env: [expect.stringMatching(/^PATH=/)] } });
  });

  it("refuses input-metadata that is not the JSON map the forwarder sends", () => {
    expect(() => config({ "context:gen": "input:0-gen", "input-metadata:0-gen": "{not json" })).toThrow(
      /input-metadata:0-gen: not JSON/,
    );
    expect(
      config({ "context:gen": "input:0-gen", "input-metadata:0-gen": "{}" }).namedContexts.get("gen"),
    ).toEqual({ kind: "input", ref: "0-gen" });
  });
});

describe("the context option", () => {
  it("reads the Engine API's upload and buildx's stdin tar as HTTP contexts", () => {
    expect(config(recorded.engineApi ?? {}).context).toEqual({
      kind: "http",
      url: "http://build-context-rxodrxkcp9yvne1hb3fb5yu6s",
      origin: "upload",
    });
    expect(config(recorded.stdin ?? {}).context).toMatchObject({ kind: "http", origin: "stdin" });
    expect(config({}).context).toEqual({ kind: "local", key: "context" });
  });

  it("detects git remotes as dockerui does, with #ref:subdir", () => {
    expect(parseRemoteContext("git://127.0.0.1/repo.git#main:app/./x")).toEqual({
      kind: "git",
      remote: "git://127.0.0.1/repo.git",
      ref: "main",
      subdir: "app/x",
    });
    expect(parseRemoteContext("https://host/org/repo.git")).toMatchObject({
      kind: "git",
      ref: "",
      subdir: "",
    });
    expect(parseRemoteContext("ssh://git@host/org/repo")).toMatchObject({
      kind: "git",
      remote: "ssh://git@host/org/repo",
    });
    expect(parseRemoteContext("git@github.com:org/repo.git#v1:sub")).toEqual({
      kind: "git",
      remote: "git@github.com:org/repo.git",
      ref: "v1",
      subdir: "sub",
    });
    expect(parseRemoteContext("https://host/repo.git?branch=dev&subdir=a&keep-git-dir=1")).toMatchObject({
      ref: "refs/heads/dev",
      subdir: "a",
      keepGitDir: true,
    });
    expect(() => parseRemoteContext("https://host/repo.git?nope=1")).toThrow(OptsError);
  });

  it("takes other http(s) URLs as downloads, and anything else as not remote", () => {
    expect(parseRemoteContext("https://host/ctx.tar.gz")).toEqual({
      kind: "http",
      url: "https://host/ctx.tar.gz",
      origin: "url",
    });
    expect(parseRemoteContext("http://host/repo")).toMatchObject({ kind: "http" });
    expect(parseRemoteContext("./dir")).toBeUndefined();
    expect(parseRemoteContext("context")).toBeUndefined();
    expect(parseRemoteContext("ftp://host/x")).toBeUndefined();
  });

  it("keeps .git only when BUILDKIT_CONTEXT_KEEP_GIT_DIR says so", () => {
    expect(config({ context: "git://h/r.git" }).keepGitDir).toBe(false);
    expect(
      config({ context: "git://h/r.git", "build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR": "true" }).keepGitDir,
    ).toBe(true);
  });
});

describe("isArchive (dockerui's sniff of a download's first 1024 bytes)", () => {
  const tarHeader = (name: string) => {
    const b = new Uint8Array(1024);
    b.set(new TextEncoder().encode(name));
    b.set(new TextEncoder().encode("0000644\0"), 100);
    b.set(new TextEncoder().encode("00000000000\0"), 124);
    b[156] = 0x30;
    b.set(new TextEncoder().encode("ustar\x0000"), 257);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (b[i] as number);
    b.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
    return b;
  };
  it("knows gzip, bzip2, xz and tar, and not a manifest", () => {
    expect(isArchive(gzipSync("x"))).toBe(true);
    expect(isArchive(new Uint8Array([0x42, 0x5a, 0x68, 0x39]))).toBe(true);
    expect(isArchive(new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1]))).toBe(true);
    expect(isArchive(tarHeader("hello.c"))).toBe(true);
    const corrupted = tarHeader("hello.c");
    corrupted[0] = 0x41;
    expect(isArchive(corrupted)).toBe(false);
    expect(isArchive(new TextEncoder().encode("name: hello\nbuild:\n  run: make\n"))).toBe(false);
    expect(isArchive(new Uint8Array(1024))).toBe(false);
  });
});

describe("remote sources in LLB", () => {
  it("marshals the HTTP op byte for byte as dockerui's llb.HTTP(url, Filename(context))", () => {
    const url = "http://build-context-abc";
    const m = llb.marshal(
      llb.http(url, { filename: "context", name: "[internal] load remote build context" }),
    );
    // Op{source=3: SourceOp{identifier=1, attrs=2: {http.filename: context}}, constraints=11: {}}, no platform.
    const enc = new TextEncoder();
    const bytesOf = (no: number, body: Uint8Array) => [(no << 3) | 2, body.length, ...body];
    const entry = new Uint8Array([
      ...bytesOf(1, enc.encode("http.filename")),
      ...bytesOf(2, enc.encode("context")),
    ]);
    const source = new Uint8Array([...bytesOf(1, enc.encode(url)), ...bytesOf(2, entry)]);
    const op = new Uint8Array([...bytesOf(3, source), ...bytesOf(11, new Uint8Array())]);
    expect([...(decode(m).def.def[0] as Uint8Array)]).toEqual([...op]);
    expect(decode(m).def.metadata[m.digests[0] as string]?.caps).toEqual({ "source.http": true });
  });

  it("marshals git as llb.Git: host/path#ref:subdir, full URL, default secret names", () => {
    const m = llb.marshal(llb.git("git://127.0.0.1/repo.git", { ref: "main", subdir: "app" }));
    const op = decode(m).ops[0];
    expect(op?.source?.identifier).toBe("git://127.0.0.1/repo.git#main:app");
    expect(op?.source?.attrs).toEqual({
      "git.authheadersecret": "GIT_AUTH_HEADER",
      "git.authtokensecret": "GIT_AUTH_TOKEN",
      "git.fullurl": "git://127.0.0.1/repo.git",
    });
    expect(op?.platform).toBeNull();
    const ssh = decode(llb.marshal(llb.git("git@host:org/r.git", { keepGitDir: true }))).ops[0];
    expect(ssh?.source?.identifier).toBe("git://host/org/r.git");
    expect(ssh?.source?.attrs).toMatchObject({ "git.keepgitdir": "true", "git.mountsshsock": "default" });
  });

  it("marshals git.mtime=commit with its cap, as llb.GitMTimeCommit does", () => {
    const m = llb.marshal(llb.git("git://127.0.0.1/repo.git", { mtime: "commit" }));
    expect(decode(m).ops[0]?.source?.attrs).toMatchObject({ "git.mtime": "commit" });
    expect(decode(m).def.metadata[m.digests[0] as string]?.caps).toMatchObject({ "source.git.mtime": true });
  });

  it("marshals an OCI layout as llb.OCILayout: name@digest, session and store, with a platform", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    const state = llb.ociLayout(`docker.io/library/lay@${digest}`, { sessionId: "s1", storeId: "st1" });
    const m = llb.marshal(state, { platform: { os: "linux", architecture: "amd64" } });
    const op = decode(m).ops[0];
    expect(op?.source?.identifier).toBe(`oci-layout://docker.io/library/lay@${digest}`);
    expect(op?.source?.attrs).toEqual({ "oci.session": "s1", "oci.store": "st1" });
    expect(op?.platform).toMatchObject({ OS: "linux", Architecture: "amd64" });
  });
});
