import type { RunOptions } from "./exec.js";
import { ExecVertex } from "./exec.js";
import type { FileAction } from "./file.js";
import { FileOpVertex } from "./file.js";
import { normalizePlatform } from "./platform.js";
import type { OpOptions, Platform } from "./types.js";
import type { Output } from "./vertex.js";

/**
 * An immutable point in the build graph: one output of a vertex (or scratch),
 * plus the default platform for exec ops run on it. Every method returns a new State.
 */
export class State {
  /** @internal The vertex output this state stands for; undefined = scratch. */
  readonly output: Output | undefined;
  /** Platform inherited by exec ops run on this state (else marshal's default). */
  readonly platform: Platform | undefined;

  /** @internal Use scratch(), image(), local(), merge() or the methods below. */
  constructor(output?: Output, platform?: Platform) {
    this.output = output;
    this.platform = platform;
  }

  withPlatform(p: Platform): State {
    return new State(this.output, normalizePlatform(p));
  }

  run(opts: RunOptions): ExecState {
    return new ExecState(new ExecVertex(this.output, opts, this.platform), this.platform);
  }

  file(action: FileAction, opts: OpOptions = {}): State {
    return new State({ vertex: new FileOpVertex(this.output, action, opts), index: 0 }, this.platform);
  }

  isScratch(): boolean {
    return this.output === undefined;
  }
}

/** The root filesystem after an exec (output 0, the "/" mount), with access to its other mounts. */
export class ExecState extends State {
  /** @internal */
  readonly exec: ExecVertex;

  /** @internal */
  constructor(exec: ExecVertex, platform?: Platform) {
    super({ vertex: exec, index: 0 }, platform);
    this.exec = exec;
  }

  /**
   * The state of the mount at dest after the run: a writable bind's own output,
   * or for a readonly bind its unchanged source. Cache and secret mounts
   * have no output and throw.
   */
  getMount(dest: string): State {
    const found = this.exec.mountOutput(dest);
    if (found.kind === "root") return this;
    return new State(found.output, this.platform);
  }
}

export function scratch(): State {
  return new State();
}
