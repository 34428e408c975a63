// Servers the remote-context tests start themselves, on 127.0.0.1 only: a `git daemon`
// serving a repository made from files, and Node's own HTTP server serving fixed bodies.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { type AddressInfo, connect, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface Running {
  /** git://127.0.0.1:PORT/repo.git, or http://127.0.0.1:PORT */
  url: string;
  stop: () => void;
}

/**
 * A git daemon serving /repo.git: one commit of `files` (dated `epoch`, so the commit is the
 * same from run to run) tagged v1, on branch main. The repository's directory is returned
 * too, so a test can add commits.
 */
export async function gitDaemon(
  files: Record<string, string>,
  epoch: string,
): Promise<Running & { repo: string; git: (...args: string[]) => Buffer }> {
  const root = mkdtempSync(join(tmpdir(), "scratchkit-git-"));
  const repo = join(root, "repo.git");
  mkdirSync(repo, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, name)), { recursive: true });
    writeFileSync(join(repo, name), text);
  }
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", repo, "-c", "user.name=t", "-c", "user.email=t@t", ...args], {
      env: { ...process.env, GIT_AUTHOR_DATE: `@${epoch}`, GIT_COMMITTER_DATE: `@${epoch}` },
    });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "hello");
  git("tag", "v1");
  // The daemon serves the work tree's .git as /repo.git.
  const port = await freePort();
  const daemon: ChildProcess = spawn(
    "git",
    [
      "daemon",
      "--listen=127.0.0.1",
      `--port=${port}`,
      `--base-path=${root}`,
      "--export-all",
      "--reuseaddr",
      root,
    ],
    { stdio: "ignore" },
  );
  await waitForPort(port);
  return { url: `git://127.0.0.1:${port}/repo.git`, repo, git, stop: () => daemon.kill() };
}

/** Node's HTTP server answering each path in `served` with its body, 404 otherwise. */
export async function httpServer(served: ReadonlyMap<string, Buffer>): Promise<Running> {
  const server: Server = createServer((req, res) => {
    const body = served.get(req.url ?? "");
    res.writeHead(body ? 200 : 404).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => server.close(),
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, "127.0.0.1", () => {
        c.destroy();
        resolve(true);
      });
      c.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}
