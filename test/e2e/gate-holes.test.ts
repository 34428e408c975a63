// The gate against what a build can put in /out (issue 8): directory artifacts, symbolic
// links, files that cannot run, an 8 GB sparse file, and mode: on missing parents. Every
// refusal is checked for its message, its manifest line and the absence of an image.
import { afterAll, describe, expect, it } from "vitest";
import { connectDocker } from "../../src/engine/docker.js";
import { imageContents, type LayerFile, runImage } from "../../src/engine/image-contents.js";
import {
  buildx,
  context,
  HELLO_C,
  imageExists,
  manifest,
  suiteProblem,
  TOOLCHAIN,
  tagger,
} from "./engine.js";

const problem = suiteProblem();
const docker = connectDocker();
const { tag, cleanup } = tagger("gate-holes-");

/** A build on the offline toolchain image; `rest` follows `build:` (artifacts, data...). */
function build(name: string, run: string, rest: string[], files: Record<string, string> = {}) {
  const t = tag(name);
  const dir = context({
    "hello.c": HELLO_C,
    ...files,
    "scratchkit.yaml": manifest(
      "build:",
      `  image: ${TOOLCHAIN}`,
      "  package-manager: none",
      `  run: ${JSON.stringify(run)}`,
      ...rest,
    ),
  });
  return { t, r: buildx(["-f", "scratchkit.yaml", "-t", t, "--load", "."], dir) };
}

const layerFiles = async (t: string) => (await imageContents(docker, t)).layers.flatMap((l) => l.files);
const at = (files: LayerFile[], p: string) =>
  files.find((f) => f.path.replace(/^\.?\/?/, "/").replace(/\/$/, "") === p);

describe.skipIf(problem !== undefined)("the gate against what a build can put in /out", () => {
  afterAll(cleanup);

  it("verifies a directory artifact file by file: a dynamic program and libc in bin/ are refused", () => {
    const { t, r } = build(
      "dir-dynamic",
      "mkdir -p /out/bin && gcc -o /out/bin/dyn hello.c && cp /lib/x86_64-linux-gnu/libc.so.6 /out/bin/",
      ["artifacts: [bin]"],
    );
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toContain("/out/bin/dyn is dynamically linked: interpreter /lib64/ld-linux-x86-64.so.2");
    // glibc's libc.so.6 has a PT_INTERP (it runs and prints its version): a dynamic program too.
    expect(r.output).toContain(
      "/out/bin/libc.so.6 is dynamically linked: interpreter /lib64/ld-linux-x86-64.so.2",
    );
    expect(r.output).toContain(">>> artifacts: [bin]");
    expect(imageExists(t)).toBe(false);
  });

  it("ships a directory of static programs exactly as verified: links stay links, data unchecked", async () => {
    const { t, r } = build(
      "dir-static",
      "mkdir -p /out/app/bin /out/app/share && musl-gcc -static -s -o /out/app/bin/hello hello.c && " +
        "ln -s hello /out/app/bin/hi && echo data > /out/app/share/notes.txt",
      ["artifacts: [{path: app, dest: /app}]", "image: {entrypoint: [/app/bin/hi]}"],
    );
    expect(r.code, r.output).toBe(0);
    const files = await layerFiles(t);
    expect(at(files, "/app/bin/hello")?.type).toBe("file");
    expect(at(files, "/app/bin/hi")?.type).toBe("symlink");
    expect(at(files, "/app/share/notes.txt")?.type).toBe("file");
    expect((await runImage(docker, t)).stdout).toBe("hello\n");
  });

  it("with allow-dlopen a directory may hold shared libraries, still not dynamic programs", () => {
    const run =
      "mkdir -p /out/lib && gcc -shared -fPIC -o /out/lib/libmod.so mod.c && musl-gcc -static -s -o /out/lib/app hello.c && " +
      "cp /lib/x86_64-linux-gnu/libc.so.6 /out/lib/";
    const files = { "mod.c": "int mod(void) { return 1; }\n" };
    const strict = build("dir-so", run, ["artifacts: [lib]"], files);
    expect(strict.r.code, strict.r.output).not.toBe(0);
    expect(strict.r.output).toContain("/out/lib/libmod.so is a shared library, not a standalone executable");
    expect(imageExists(strict.t)).toBe(false);

    const allowed = build("dir-dlopen", run, ["artifacts: [{path: lib, allow-dlopen: true}]"], files);
    expect(allowed.r.code, allowed.r.output).toBe(0);
    const dyn = build(
      "dir-dlopen-dyn",
      `${run} && gcc -o /out/lib/dyn hello.c`,
      ["artifacts: [{path: lib, allow-dlopen: true}]"],
      files,
    );
    expect(dyn.r.code, dyn.r.output).not.toBe(0);
    expect(dyn.r.output).not.toContain("/out/lib/libmod.so is a shared library");
    expect(dyn.r.output).not.toContain("/out/lib/libc.so.6 is dynamically linked");
    expect(dyn.r.output).toContain("/out/lib/dyn is dynamically linked");
    expect(imageExists(dyn.t)).toBe(false);
  });

  it("resolves a symlink inside /out and ships (and verifies) its target", async () => {
    const { t, r } = build(
      "symlink",
      "musl-gcc -static -s -o /out/hello.real hello.c && ln -s hello.real /out/hello",
      ["artifacts: [hello]"],
    );
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toMatch(/truncated/);
    const hello = at(await layerFiles(t), "/hello");
    expect(hello?.type).toBe("file");
    expect(hello?.size).toBeGreaterThan(1000);
    expect((await runImage(docker, t)).stdout).toBe("hello\n");
  });

  it("refuses links that leave /out (absolute, ../), saying so, and a dynamic link target", () => {
    const { t, r } = build(
      "symlink-escape",
      "ln -s /etc/shadow /out/abs && ln -s ../etc/passwd /out/up && gcc -o /out/dyn.real hello.c && ln -s dyn.real /out/dyn",
      ["artifacts:", "  - abs", "  - up", "  - dyn"],
    );
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toContain("/out/abs is a symbolic link that leaves /out (/out/abs -> /etc/shadow)");
    expect(r.output).toContain("/out/up is a symbolic link that leaves /out (/out/up -> ../etc/passwd)");
    expect(r.output).toContain("/out/dyn (a link to /out/dyn.real) is dynamically linked");
    expect(r.output).not.toContain("open /shadow");
    expect(imageExists(t)).toBe(false);
  });

  it("refuses what cannot run: empty, FIFO, device, socket, no execute bit, not ELF", () => {
    const { t, r } = build(
      "not-programs",
      ": > /out/empty && chmod +x /out/empty && mkfifo /out/fifo && mknod /out/devnull c 1 3 && " +
        "perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Local=>q{/out/sock},Listen=>1) or die' && " +
        "musl-gcc -static -s -o /out/noexec hello.c && chmod 0644 /out/noexec && " +
        "echo 'just text' > /out/text && chmod +x /out/text",
      ["artifacts:", "  - empty", "  - fifo", "  - devnull", "  - sock", "  - noexec", "  - text"],
    );
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toContain("/out/empty is an empty file (0 bytes), not a program");
    expect(r.output).toContain("/out/fifo is a named pipe (FIFO), not a program");
    expect(r.output).toContain("/out/devnull is a character device node, not a program");
    // BuildKit lists a socket as a 0755 regular file of 0 bytes (its type bit is dropped).
    expect(r.output).toContain("/out/sock is an empty file (0 bytes), not a program");
    expect(r.output).toContain("/out/noexec is not executable (mode 0644, no execute bit)");
    expect(r.output).toContain("/out/text is not an ELF program (no ELF header and no #! line)");
    for (const line of ["empty", "fifo", "devnull", "sock", "noexec", "text"])
      expect(r.output).toContain(`>>>   - ${line}`);
    expect(imageExists(t)).toBe(false);
  });

  it("fails an 8 GB sparse file on its header, fast, and exports nothing", () => {
    const { t, r } = build(
      "sparse-8g",
      "truncate -s 8G /out/big && chmod +x /out/big && dd if=/dev/zero of=/out/big2 bs=1 count=0 seek=8G && chmod +x /out/big2",
      ["artifacts: [big, big2]"],
    );
    console.info(`[gate] 8 GB sparse artifacts: build failed after ${Math.round(r.ms)} ms`);
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toContain("/out/big is not an ELF program");
    expect(r.output).toContain("/out/big2 is not an ELF program");
    expect(r.output).not.toMatch(/exporting/);
    expect(r.ms).toBeLessThan(30_000);
    expect(imageExists(t)).toBe(false);
  });

  it("mode: on a file in missing directories makes those 0755, so nonroot can enter them", async () => {
    const READ_C =
      '#include <stdio.h>\nint main(void) { char b[64] = {0}; FILE *f = fopen("/conf/app.conf", "r");\n' +
      'if (!f) { perror("open"); return 1; } fgets(b, sizeof b, f); fputs(b, stdout); return 0; }\n';
    const { t, r } = build(
      "mode-parents",
      "musl-gcc -static -s -o /out/reader read.c",
      [
        "artifacts: [{path: reader, dest: /opt/tools/reader, mode: '0755'}]",
        "data: [{src: app.conf, dest: /conf/app.conf, mode: '0640', owner: '65532:65532'}]",
        "essentials: [nonroot]",
      ],
      { "read.c": READ_C, "app.conf": "setting=1\n" },
    );
    expect(r.code, r.output).toBe(0);
    const files = await layerFiles(t);
    for (const dir of ["/conf", "/opt", "/opt/tools"]) expect(at(files, dir)?.mode, dir).toBe(0o755);
    expect(at(files, "/conf/app.conf")?.mode).toBe(0o640);
    const run = await runImage(docker, t);
    expect([run.code, run.stdout, run.stderr]).toEqual([0, "setting=1\n", ""]);
  });
});
