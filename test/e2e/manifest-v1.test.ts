// Manifest v1 on the real engine: presets the offline toolchain image can build (C, C++),
// data files, scratch essentials, targets, secrets and reproducible builds.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { connectDocker } from "../../src/engine/docker.js";
import { imageContents, imageManifests, runImage } from "../../src/engine/image-contents.js";
import { buildx, context, docker, manifest, suiteProblem, TOOLCHAIN, tagger } from "./engine.js";

const problem = suiteProblem();

const dockerode = connectDocker();
const { tag, cleanup } = tagger("v1-");
const paths = (files: Array<{ path: string }>) =>
  files.map((f) => `/${f.path.replace(/^\.?\//, "").replace(/\/$/, "")}`).sort();

const PROBE_C = `#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>
int main(void) {
  struct stat st;
  char buf[64] = {0};
  FILE *f = fopen("/config.txt", "r");
  if (f) { fgets(buf, sizeof buf, f); fclose(f); }
  printf("uid=%d config=%s", (int)getuid(), buf);
  printf("ca=%s\\n", stat("/etc/ssl/certs/ca-certificates.crt", &st) == 0 && st.st_size > 1000 ? "yes" : "no");
  FILE *t = fopen("/tmp/probe", "w");
  printf("tmp=%s\\n", t ? "writable" : "no");
  return 0;
}
`;

describe.skipIf(problem !== undefined)("manifest v1 on a real engine", () => {
  afterAll(cleanup);

  it("builds hello.c with the C preset in three lines (+ the offline toolchain)", async () => {
    const t = tag("preset-c");
    const dir = context({
      "hello.c": '#include <stdio.h>\nint main() { puts("hello"); }\n',
      "scratchkit.yaml": manifest(
        "preset: c",
        "name: hello",
        "build: {image: scratchkit/toolchain:bookworm, package-manager: apt}",
      ),
    });
    const r = buildx(["--network=host", "-f", "scratchkit.yaml", "-t", t, "--load", "."], dir);
    expect(r.code, r.output).toBe(0);
    const img = await imageContents(dockerode, t);
    expect(paths(img.layers.flatMap((l) => l.files))).toEqual(["/hello"]);
    expect((await runImage(dockerode, t)).stdout).toBe("hello\n");
  });

  it("builds C++ with the C++ preset, statically", async () => {
    const t = tag("preset-cxx");
    const dir = context({
      "main.cpp": '#include <iostream>\nint main() { std::cout << "hello from c++" << std::endl; }\n',
      "scratchkit.yaml": manifest(
        "preset: c++",
        "name: hi",
        `build: {image: ${TOOLCHAIN}, package-manager: apt}`,
      ),
    });
    const r = buildx(["--network=host", "-f", "scratchkit.yaml", "-t", t, "--load", "."], dir);
    expect(r.code, r.output).toBe(0);
    expect((await runImage(dockerode, t)).stdout).toBe("hello from c++\n");
  });

  it("ships data and the scratch essentials: nonroot user, CA bundle, sticky /tmp", async () => {
    const t = tag("essentials");
    const dir = context({
      "probe.c": PROBE_C,
      "config.txt": "from-the-context\n",
      "scratchkit.yaml": manifest(
        "name: probe",
        "build:",
        `  image: ${TOOLCHAIN}`,
        "  package-manager: none",
        "  run: musl-gcc -static -Os -s -o /out/probe probe.c",
        "artifacts: [probe]",
        "data: [{src: config.txt, mode: '0444'}]",
        "essentials: [nonroot, ca-certificates, tmp]",
      ),
    });
    const r = buildx(["-f", "scratchkit.yaml", "-t", t, "--load", "."], dir);
    expect(r.code, r.output).toBe(0);
    const img = await imageContents(dockerode, t);
    expect(img.layers).toHaveLength(1);
    const files = img.layers[0]?.files ?? [];
    expect(paths(files)).toEqual(
      expect.arrayContaining([
        "/config.txt",
        "/etc/group",
        "/etc/passwd",
        "/etc/ssl/certs/ca-certificates.crt",
        "/home/nonroot",
        "/probe",
        "/tmp",
      ]),
    );
    const tmp = files.find((f) => f.path.replace(/^\.?\//, "").replace(/\/$/, "") === "tmp");
    expect(tmp?.mode && tmp.mode & 0o7777).toBe(0o1777);
    expect(img.config.User).toBe("65532:65532");
    expect(img.config.Env).toContain("SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt");
    const out = await runImage(dockerode, t);
    expect(out.stdout).toBe("uid=65532 config=from-the-context\nca=yes\ntmp=writable\n");
  });

  it("selects an image with --target, the first one by default", async () => {
    const dir = context({
      "server.c": "int main() { return 0; }\n",
      "cli.c": '#include <stdio.h>\nint main() { puts("cli"); }\n',
      "scratchkit.yaml": manifest(
        "name: server",
        "build:",
        `  image: ${TOOLCHAIN}`,
        "  package-manager: none",
        "  run:",
        "    - musl-gcc -static -s -o /out/server server.c",
        "    - musl-gcc -static -s -o /out/cli cli.c",
        "artifacts: [server]",
        "targets:",
        "  cli:",
        "    artifacts: [{path: cli, dest: /usr/bin/cli}]",
      ),
    });
    const cli = tag("target-cli");
    const r = buildx(["-f", "scratchkit.yaml", "--target", "cli", "-t", cli, "--load", "."], dir);
    expect(r.code, r.output).toBe(0);
    const img = await imageContents(dockerode, cli);
    expect(paths(img.layers.flatMap((l) => l.files))).toEqual(["/usr", "/usr/bin", "/usr/bin/cli"]);
    expect((await runImage(dockerode, cli)).stdout).toBe("cli\n");
    const server = tag("target-default");
    expect(buildx(["-f", "scratchkit.yaml", "-t", server, "--load", "."], dir).code).toBe(0);
    expect(paths((await imageContents(dockerode, server)).layers.flatMap((l) => l.files))).toEqual([
      "/server",
    ]);
    const bad = buildx(["-f", "scratchkit.yaml", "--target", "nope", "."], dir);
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain('target "nope" not found; the manifest defines server, cli');
  });

  it("mounts a secret for the build step only: it reaches the step and never the image", async () => {
    const t = tag("secret");
    const value = `s3cr3t-${Date.now()}`;
    const dir = context({
      "hello.c": '#include <stdio.h>\nint main() { puts("hello"); }\n',
      // The step checks the secret's length, so its value appears nowhere but in the secret.
      "scratchkit.yaml": manifest(
        "build:",
        `  image: ${TOOLCHAIN}`,
        "  package-manager: none",
        `  env: {EXPECTED_LEN: '${value.length}'}`,
        "  run:",
        '    - run: test "$(wc -c < /run/secrets/token)" -eq "$EXPECTED_LEN" && musl-gcc -static -s -o /out/hello hello.c',
        "      secrets: [token]",
        "artifacts: [hello]",
      ),
    });
    const secretFile = join(dir, ".token");
    writeFileSync(join(dir, ".dockerignore"), ".token\n");
    writeFileSync(secretFile, value);
    const r = buildx(
      ["--secret", `id=token,src=${secretFile}`, "-f", "scratchkit.yaml", "-t", t, "--load", "."],
      dir,
    );
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toContain(value);
    const img = await imageContents(dockerode, t);
    expect(paths(img.layers.flatMap((l) => l.files))).toEqual(["/hello"]);
    const saved = docker(["image", "inspect", t]) + docker(["history", "--no-trunc", t]);
    expect(saved).not.toContain(value);
    // Without the secret the step fails: it really was read from the mount.
    const without = buildx(["--no-cache", "-f", "scratchkit.yaml", "."], dir);
    expect(without.code).not.toBe(0);
    expect(without.output).toContain("secret token: not found");
    // The error points at the build's commands, not at the syntax line.
    expect(without.output).toMatch(/>>> +- run: test/);
  });

  it("is reproducible: two --no-cache builds with the same SOURCE_DATE_EPOCH give the same image ID", async () => {
    const dir = context({
      "probe.c": PROBE_C,
      "config.txt": "x\n",
      "scratchkit.yaml": manifest(
        "name: probe",
        "build:",
        `  image: ${TOOLCHAIN}`,
        "  package-manager: none",
        "  run: musl-gcc -static -Os -s -o /out/probe probe.c",
        "artifacts: [probe]",
        "data: [config.txt]",
        "essentials: [nonroot, tmp]",
      ),
    });
    const ids: string[] = [];
    const manifests: string[][] = [];
    let last = "";
    for (const n of [1, 2]) {
      const t = tag(`repro-${n}`);
      last = t;
      const r = buildx(
        [
          "--no-cache",
          // With the containerd image store the ID is the index digest; a provenance
          // attestation (buildx's default) records each build's own times and IDs.
          "--provenance=false",
          "--build-arg",
          "SOURCE_DATE_EPOCH=1700000000",
          "-f",
          "scratchkit.yaml",
          "-t",
          t,
          "--load",
          ".",
        ],
        dir,
      );
      expect(r.code, r.output).toBe(0);
      ids.push(docker(["image", "inspect", "-f", "{{.Id}}", t]).trim());
      const images = (await imageManifests(dockerode, t)).filter((m) => m.kind === "image");
      manifests.push(images.map((m) => m.digest));
    }
    // The platform image (config + layers) is byte-identical, and so is the tag's ID.
    expect(manifests[0]).toHaveLength(1);
    expect(manifests[0]?.[0]).toMatch(/^sha256:/);
    expect(manifests[1]).toEqual(manifests[0]);
    expect(ids[0]).toMatch(/^sha256:/);
    expect(ids[1]).toBe(ids[0]);
    const created = docker(["image", "inspect", "-f", "{{.Created}}", last]).trim();
    expect(created).toContain("2023-11-14T22:13:20");
  });
});
