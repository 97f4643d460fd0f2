/**
 * The operator under test as a child process: started with the environment contract, killed
 * with SIGKILL in the crash scenarios, stopped with SIGTERM (then SIGKILL) at the end; its
 * output kept (the last lines go into a failed scenario's report).
 *
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { BlackBoxEnv, BlackBoxOperatorCommand } from "./types.js";

/** Output lines kept per process (the last ones). */
const KEPT_LINES = 40;
/** How long a SIGTERM'd operator may take before it is SIGKILLed, ms. */
const TERM_GRACE_MS = 2_000;

/** One start of the operator command. */
export class OperatorProcess {
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | string>;
  readonly #lines: string[] = [];
  #exitedWith: number | string | undefined;
  #partial = "";

  /**
   * Starts `command` with `env` over the suite's own environment and the command's `env`.
   *
   * @param onLine - each output line as it comes.
   */
  constructor(
    readonly command: BlackBoxOperatorCommand,
    env: BlackBoxEnv,
    private readonly onLine?: (line: string) => void,
  ) {
    this.#child = spawn(command.command, command.args ?? [], {
      cwd: command.cwd,
      env: { ...process.env, ...env, ...command.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const take = (chunk: Buffer) => this.#take(chunk.toString("utf8"));
    this.#child.stdout?.on("data", take);
    this.#child.stderr?.on("data", take);
    this.#exited = new Promise((resolve) => {
      this.#child.on("error", (error) => {
        this.#take(`[could not start ${command.command}: ${error.message}]\n`);
        resolve((this.#exitedWith = "spawn error"));
      });
      this.#child.on("exit", (code, signal) => {
        resolve((this.#exitedWith = signal ?? code ?? "?"));
      });
    });
  }

  /** The process id. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** How it exited (a code or a signal), or undefined while it runs. */
  get exitedWith(): number | string | undefined {
    return this.#exitedWith;
  }

  /** The last output lines. */
  get output(): readonly string[] {
    return this.#lines;
  }

  /** SIGKILL: the crash (nothing of it runs after this resolves). */
  async kill(): Promise<void> {
    if (this.#exitedWith === undefined) this.#child.kill("SIGKILL");
    await this.#exited;
  }

  /** SIGTERM, then SIGKILL after a grace. */
  async stop(): Promise<void> {
    if (this.#exitedWith !== undefined) return;
    this.#child.kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, TERM_GRACE_MS);
    });
    await Promise.race([this.#exited, grace]);
    clearTimeout(timer);
    await this.kill();
  }

  #take(text: string): void {
    const parts = (this.#partial + text).split("\n");
    this.#partial = parts.pop() ?? "";
    for (const line of parts) {
      this.#lines.push(line);
      if (this.#lines.length > KEPT_LINES) this.#lines.shift();
      this.onLine?.(line);
    }
  }
}
