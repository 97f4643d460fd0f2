import { parseArgs } from "node:util";
import { explainResource, renderExplain } from "./explain.js";
import { CliError, readResource } from "./kube.js";

const USAGE = `Usage: provisionkit explain <kind>/<name> [options]

Prints a resource's jobs as a timeline, each phase with its duration, and
what the controller is waiting for now (from the resource's status).

Options:
  -n, --namespace <ns>     namespace (default: the context's, else default)
      --kubeconfig <path>  kubeconfig file (default: KUBECONFIG, ~/.kube/config)
      --context <name>     kubeconfig context (default: the current one)
      --status-field <f>   key of the engine's data under status (default provisioning)
  -o, --output <format>    text (default) or json
  -h, --help               this help
`;

/** What {@link main} writes to; default the process's streams. */
export interface CliIo {
  /** Standard output. */
  out: (text: string) => void;
  /** Standard error. */
  err: (text: string) => void;
  /** Current time, epoch ms. */
  now: () => number;
}

/**
 * Runs the `provisionkit` command with `argv` (without the node and script paths); resolves
 * to the exit code: 0 done, 1 failed (the resource could not be read), 2 usage error.
 */
export async function main(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const out = io.out ?? ((t: string) => void process.stdout.write(t));
  const err = io.err ?? ((t: string) => void process.stderr.write(t));
  const now = io.now ?? Date.now;
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        namespace: { type: "string", short: "n" },
        kubeconfig: { type: "string" },
        context: { type: "string" },
        "status-field": { type: "string" },
        output: { type: "string", short: "o", default: "text" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    err(`provisionkit: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const [command, target, ...rest] = positionals;
  if (command !== "explain" || target === undefined || rest.length > 0) {
    err(
      `${command === undefined || command === "explain" ? "" : `provisionkit: unknown command ${command}\n\n`}${USAGE}`,
    );
    return 2;
  }
  if (values.output !== "text" && values.output !== "json") {
    err(`provisionkit: --output must be text or json, got ${values.output}\n`);
    return 2;
  }
  try {
    const { object } = await readResource(target, {
      ...(values.kubeconfig !== undefined && { kubeconfig: values.kubeconfig }),
      ...(values.context !== undefined && { context: values.context }),
      ...(values.namespace !== undefined && { namespace: values.namespace }),
    });
    const report = explainResource(object, {
      now: now(),
      ...(values["status-field"] !== undefined && { statusField: values["status-field"] }),
    });
    out(values.output === "json" ? `${JSON.stringify(report, null, 2)}\n` : renderExplain(report));
    return 0;
  } catch (error) {
    const message = error instanceof CliError ? error.message : (error as Error).message;
    err(`provisionkit: ${message}\n`);
    return 1;
  }
}
