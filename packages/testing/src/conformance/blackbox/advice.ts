/**
 * What the black-box suite tells an operator's author: its own wording of E1 (which job ran
 * while which), and for each other rule one sentence on what the operator must do, added to
 * the operator suite's messages. Written for someone who has never read provisionkit: AAP
 * job ids, seconds since the scenario started, the AWX calls to make.
 *
 * @module
 */
import { activeTogether } from "../checks/overlaps.js";
import { keysOf } from "../operator/checks-ledger.js";
import type { Violation } from "../types.js";
import type { BlackBoxWorld } from "./world.js";

/** E1: never two jobs of one object active at once, said the way an operator's author acts on it. */
export function checkOverlaps(world: BlackBoxWorld): Violation[] {
  const out: Violation[] = [];
  for (const key of keysOf(world)) {
    for (const [first, second] of activeTogether(world.jobs(key))) {
      const until =
        first.finishedAt === undefined
          ? "was still running when the scenario ended"
          : `was still running until ${world.t(first.finishedAt)} (it ended ${first.outcome ?? "?"})`;
      const advice =
        first.operation === "provision" && second.operation === "deprovision"
          ? `cancel the provision (POST /api/v2/jobs/${first.id}/cancel/) or wait for it, and launch the teardown only once AWX reports it ended`
          : `never launch a job for an object while its previous job (id ${first.id}) is not in a terminal state (successful, failed, error, canceled)`;
      out.push({
        rule: "E1",
        message: `E1: ${key}: a ${second.operation} job (id ${second.id}) was launched at ${world.t(second.createdAt)} while the ${first.operation} job (id ${first.id}) ${until} — ${advice}`,
      });
    }
  }
  return out;
}

/** One sentence per rule on what to do, for messages that do not already say it. */
const ADVICE: Partial<Record<string, (world: BlackBoxWorld) => string>> = {
  E2: () =>
    "launch a provision only when the spec's version differs from the reconciled version recorded in the status; record the launched job's id in the status at once, and after a restart resume polling that job instead of launching another",
  E3: (world) =>
    `when a provision job ends successful, write the version it applied into ${world.stage.reader.map.reconciledVersion} (the status map's reconciledVersion), and report Ready only while it equals the desired version`,
  E4: () =>
    "remove the finalizer only after the teardown job ended successful, and keep polling that job (GET /api/v2/jobs/<id>/) until AWX reports a terminal status (successful, failed, error, canceled); a failed teardown keeps the finalizer, sets the DeletionBlocked condition and is retried",
  E5: () =>
    "record each launched job's id in the status before anything else; after a restart, find the recorded job instead of launching a new one",
};

/** The violations with each rule's advice appended (E1's own messages carry theirs). */
export function advised(world: BlackBoxWorld, violations: readonly Violation[]): Violation[] {
  return violations.map((v) => {
    const advice = unobservedTeardown(world, v) ?? ADVICE[v.rule]?.(world);
    if (advice === undefined || v.message.includes(" — ")) return v;
    return { ...v, message: `${v.message} — ${advice}` };
  });
}

/**
 * For "the finalizer was never released" after a teardown job that ended successful: the
 * operator did not see that end. Names the job, when it ended, and the call to poll.
 */
function unobservedTeardown(world: BlackBoxWorld, violation: Violation): string | undefined {
  if (violation.rule !== "E4" || !violation.message.includes(" still not released at ")) {
    return undefined;
  }
  const key = keysOf(world).find((k) => violation.message.startsWith(`E4: ${k}: `));
  const teardown = key === undefined ? undefined : world.jobs(key, "deprovision").at(-1);
  if (teardown?.outcome !== "succeeded" || teardown.finishedAt === undefined) return undefined;
  return `the deprovision job (id ${teardown.id}) ended successful at ${world.t(teardown.finishedAt)}, and the operator never observed it: poll GET /api/v2/jobs/${teardown.id}/ until its status is terminal (AWX says successful, failed, error or canceled) and remove the finalizer once it is successful`;
}
