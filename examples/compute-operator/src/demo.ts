/**
 * The provisionkit demo: the ComputeInstance operator run against an embedded Kubernetes
 * API server and embedded automation backends (simulators from `@provisionkit/testing`, on
 * loopback, in real time), through a short story told through the Kubernetes API only, as
 * kubectl would tell it. Two stories:
 *
 * - default (`story-aap.ts`): the operator of `operator.ts` launches AAP job templates;
 * - `--eda` (`story-eda.ts`): the operator of `operator-eda.ts` sends events to an EDA
 *   rulebook activation, whose rules launch the job templates and whose playbooks write
 *   the outcome back onto the resource.
 *
 * Each ends with a table per resource and one line of invariants computed from the AAP
 * simulator's job ledger and the objects the API serves; the exit code is 1 if an
 * invariant broke or the story did not reach its expected end in time.
 *
 * Usage: `node dist/demo.js [--eda]` (from the repository root: `pnpm run demo [-- --eda]`).
 */
import { runAapStory } from "./story-aap.js";
import { runEdaStory } from "./story-eda.js";

const USAGE = "usage: node dist/demo.js [--aap | --eda]";

const args = process.argv.slice(2).filter((arg) => arg !== "--");
const unknown = args.filter((arg) => !["--aap", "--eda", "--help", "-h"].includes(arg));
if (args.includes("--help") || args.includes("-h")) {
  process.stdout.write(`${USAGE}\n`);
} else if (unknown.length > 0 || (args.includes("--aap") && args.includes("--eda"))) {
  process.stderr.write(`unknown or conflicting arguments: ${args.join(" ")}\n${USAGE}\n`);
  process.exitCode = 2;
} else if (args.includes("--eda")) {
  await runEdaStory();
} else {
  await runAapStory();
}
