/**
 * `provisionkit-sim`: starts the simulators and the control API, prints the ready line,
 * and runs until SIGTERM, SIGINT or a control `shutdown`.
 *
 * @module
 */
import { parseSimArgs, SIM_USAGE } from "./args.js";
import { SimServerError } from "./errors.js";
import { SimServer } from "./server.js";

/** Where the command writes; injectable for tests. */
export interface SimCliIo {
  /** Standard output (the JSON lines). */
  out(text: string): void;
  /** Standard error (the error line). */
  err(text: string): void;
  /** Calls `stop` on SIGTERM and SIGINT. */
  onSignal(stop: (signal: string) => void): void;
}

const processIo: SimCliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  onSignal: (stop) => {
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  },
};

/**
 * Runs the command until the server stops.
 *
 * @returns The exit code: 0 after a clean stop, 2 for a bad command line or configuration,
 *   1 when the server could not start.
 */
export async function simMain(argv: string[], io: SimCliIo = processIo): Promise<number> {
  let server: SimServer;
  try {
    const args = await parseSimArgs(argv);
    if (args.help) {
      io.out(`${SIM_USAGE}\n`);
      return 0;
    }
    server = new SimServer(args.config);
    const info = await server.start();
    io.out(`${JSON.stringify({ event: "ready", ...info })}\n`);
  } catch (error) {
    const known =
      error instanceof SimServerError
        ? error
        : new SimServerError("internal", error instanceof Error ? error.message : String(error));
    io.err(`${JSON.stringify(known.toBody())}\n`);
    return ["usage", "invalid-config", "config-unreadable"].includes(known.code) ? 2 : 1;
  }
  let reason = "shutdown";
  io.onSignal((signal) => {
    reason = signal;
    void server.stop();
  });
  await server.stopped;
  io.out(`${JSON.stringify({ event: "stopped", reason })}\n`);
  return 0;
}
