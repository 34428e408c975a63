// Makes sure an engine has the frontend image before it builds: a missing image is
// copied from the source engine (`docker save | docker load` through the Engine API).
import type Docker from "dockerode";

async function hasImage(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

/** Loads ref onto target from source when target lacks it; one copy at a time per target. */
export class FrontendImages {
  private readonly inFlight = new Map<Docker, Promise<void>>();

  constructor(
    private readonly ref: string,
    private readonly source: Docker | undefined,
  ) {}

  ensure(target: Docker): Promise<void> {
    const prev = this.inFlight.get(target) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(() => this.copyIfMissing(target));
    this.inFlight.set(target, next);
    return next;
  }

  private async copyIfMissing(target: Docker): Promise<void> {
    if (await hasImage(target, this.ref)) return;
    if (!this.source)
      throw new Error(`the engine lacks the frontend image ${this.ref} and no frontend source is configured`);
    const tar = await this.source.getImage(this.ref).get();
    const progress = await target.loadImage(tar);
    await new Promise<void>((res, rej) => {
      progress.on("error", rej);
      progress.on("end", res);
      progress.resume();
    });
    if (!(await hasImage(target, this.ref))) throw new Error(`loading ${this.ref} onto the engine failed`);
  }
}
