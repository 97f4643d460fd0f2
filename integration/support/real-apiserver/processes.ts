/**
 * Processes: starting, watching, waiting for and stopping the child processes of the tier.
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { createServer as createNetServer } from "node:net";
import { join } from "node:path";

/** The last lines a child process wrote, for error messages. */
class Tail {
  private readonly lines: string[] = [];
  private partial = "";

  constructor(private readonly max = 200) {}

  push(chunk: Buffer): void {
    const parts = (this.partial + chunk.toString("utf8")).split("\n");
    this.partial = parts.pop() ?? "";
    for (const line of parts) {
      this.lines.push(line);
      if (this.lines.length > this.max) this.lines.shift();
    }
  }

  last(n: number): string {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    return all.slice(-n).join("\n");
  }
}

/** A started child process, with its recent output and its exit. */
export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly output: Tail;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  exitDescription(): string | undefined;
}

/**
 * Starts a process whose output is kept in a {@link Tail}. With `PROVISIONKIT_REAL_APISERVER_LOG_DIR`
 * set, the output is also appended to `<dir>/<name>.log` (for debugging a failing run).
 */
export function startChild(name: string, command: string, args: string[], cwd: string): Child {
  const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  const output = new Tail();
  const logDir = process.env.PROVISIONKIT_REAL_APISERVER_LOG_DIR;
  let log: WriteStream | undefined;
  if (logDir) {
    mkdirSync(logDir, { recursive: true });
    log = createWriteStream(join(logDir, `${name}.log`), { flags: "a" });
    log.write(`--- ${new Date().toISOString()} ${command} ${args.join(" ")}\n`);
  }
  const onData = (chunk: Buffer) => {
    output.push(chunk);
    log?.write(chunk);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  child.once("close", () => log?.end());
  let description: string | undefined;
  const exited = new Promise<void>((resolveExit) => {
    child.once("error", (error) => {
      description = `could not be started: ${error.message}`;
      resolveExit();
    });
    child.once("exit", (code, signal) => {
      description = signal ? `was killed by ${signal}` : `exited with code ${String(code)}`;
      resolveExit();
    });
  });
  return { name, process: child, output, exited, exitDescription: () => description };
}

/** Stops `child`: SIGTERM, then SIGKILL after `graceMs`. Resolves once it has exited. */
export async function stopChild(child: Child, graceMs = 5_000): Promise<void> {
  if (child.exitDescription() !== undefined) return;
  child.process.kill("SIGTERM");
  const timer = setTimeout(() => child.process.kill("SIGKILL"), graceMs);
  await child.exited;
  clearTimeout(timer);
}

function failure(child: Child, what: string): Error {
  return new Error(`${child.name} ${what}; its last output:\n${child.output.last(30)}`);
}

/** A loopback TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createNetServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((resolveSleep) => setTimeout(resolveSleep, ms));

/**
 * Polls `probe` until it returns true. Fails early when `child` exits, and after `timeoutMs`
 * with the last error of the probe and the child's last output.
 */
export async function waitFor(
  what: string,
  child: Child,
  timeoutMs: number,
  probe: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = "";
  for (;;) {
    if (child.exitDescription() !== undefined) {
      throw failure(child, `${child.exitDescription() ?? "exited"} before ${what}`);
    }
    try {
      if (await probe()) return;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      throw failure(
        child,
        `was not ready after ${timeoutMs} ms (waiting for ${what}${lastProblem ? `; last problem: ${lastProblem}` : ""})`,
      );
    }
    await sleep(100);
  }
}
