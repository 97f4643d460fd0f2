/**
 * Command-line arguments of `provisionkit-conformance`.
 *
 * @module
 */

/** What the command was asked to do. */
export interface CliArgs {
  /** The module that describes what to test. */
  module: string;
  /** Write the JSON report here; `-` for standard output. */
  json?: string;
  /** Write a JUnit XML report here. */
  junit?: string;
  /** Write the HTML report here. */
  html?: string;
  /** Only these scenarios (ids). */
  scenarios: string[];
  /** Seed of the randomized scenarios. */
  seed?: number;
  /** Runs of the randomized scenarios. */
  numRuns?: number;
  /** No progress lines. */
  quiet: boolean;
}

/** Usage text. */
export const USAGE = `Usage: provisionkit-conformance <module> [options]

Runs the provisionkit provider conformance suite (rules P1-P8, E1-E6) on what <module>
describes, prints a table, and exits 1 when a rule is broken.

<module> is a JavaScript module (a path; .js or .mjs, or .ts under a TypeScript loader)
whose default export is a conformance subject, a list of them, or a function returning
either: { subject?: string, backend: () => ConformanceBackend, capabilities?: {...} }.

Options:
  --json FILE        the report as JSON (FILE - for standard output)
  --junit FILE       the report as JUnit XML
  --html FILE        the report as an HTML page with a job timeline per resource
  --scenario ID      run only this scenario (repeatable)
  --seed N           seed of the randomized scenarios (default: random, printed)
  --runs N           runs of the randomized scenarios
  --quiet            no progress lines
  --help             this text`;

/** A usage error: the message is printed with the usage, exit code 2. */
export class UsageError extends Error {}

function integer(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isSafeInteger(n) || n < 0) {
    throw new UsageError(`${flag} needs a non-negative integer`);
  }
  return n;
}

/** Parses `argv` (without node and the script); `undefined` means `--help`. */
export function parseArgs(argv: readonly string[]): CliArgs | undefined {
  const args: Partial<CliArgs> & { scenarios: string[]; quiet: boolean } = {
    scenarios: [],
    quiet: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = (): string => {
      const value = argv[++i];
      if (value === undefined || (value.startsWith("-") && value !== "-")) {
        throw new UsageError(`${arg} needs a value`);
      }
      return value;
    };
    switch (arg) {
      case "--help":
      case "-h":
        return undefined;
      case "--json":
        args.json = next();
        break;
      case "--junit":
        args.junit = next();
        break;
      case "--html":
        args.html = next();
        break;
      case "--scenario":
        args.scenarios.push(next());
        break;
      case "--seed":
        args.seed = integer(arg, argv[++i]);
        break;
      case "--runs":
        args.numRuns = integer(arg, argv[++i]);
        break;
      case "--quiet":
        args.quiet = true;
        break;
      default:
        if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
        if (args.module !== undefined) throw new UsageError(`one module only (got ${arg} too)`);
        args.module = arg;
    }
  }
  if (args.module === undefined) throw new UsageError("a module to test is required");
  return args as CliArgs;
}
