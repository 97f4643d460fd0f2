/**
 * E5 on deletion: the provision jobs the engine hands `triggerDeprovision` are the jobs the
 * backend ran for the resource. A status mapping that loses job history (it keeps only
 * active jobs, or only the last of each type of another resource) hands a provider an empty
 * or partial list, and a provider that tears down what the jobs built has nothing to go on.
 *
 * @module
 */
import type { ConformanceJob, Violation } from "../types.js";
import type { DeprovisionHandover } from "./provider-tap.js";
import type { OperatorWorld } from "./world.js";

/**
 * Whether the handover holds `job`: the same correlation id, the id its launch answered,
 * or its ledger id; `undefined` when it cannot be told (the ledger knows no correlation id
 * and the provider's ids may encode the ledger's their own way).
 */
function holds(
  world: OperatorWorld,
  handover: DeprovisionHandover,
  job: ConformanceJob,
): boolean | undefined {
  const ids = new Set([job.id]);
  if (job.correlationId !== undefined) {
    for (const id of world.controllers.launchedIds(job.correlationId)) ids.add(id);
  }
  const found = handover.provisionJobs.some(
    (j) =>
      ids.has(j.jobId) ||
      (job.correlationId !== undefined && j.correlationId === job.correlationId),
  );
  if (found) return true;
  return job.correlationId === undefined ? undefined : false;
}

/**
 * E5: every `triggerDeprovision` is handed the latest provision job the backend ran for the
 * resource, and every one of them while they all fit in the engine's history
 * (`historyLimit` jobs of both types, which never drops the newest of each type).
 */
export function checkHandovers(world: OperatorWorld): Violation[] {
  const out: Violation[] = [];
  const limit = world.engine.historyLimit;
  for (const handover of world.handovers) {
    const { resourceKey: key, at } = handover;
    const before = world.jobs(key).filter((j) => j.createdAt <= at);
    const provisions = before.filter((j) => j.operation === "provision");
    const latest = provisions.at(-1);
    if (!latest) continue;
    const expected = before.length <= limit ? provisions : [latest];
    const missing = expected.filter((job) => holds(world, handover, job) === false);
    if (missing.length === 0) continue;
    const ids = handover.provisionJobs.map((j) => j.jobId);
    const handed = ids.length > 0 ? `the provision jobs [${ids.join(", ")}]` : "no provision job";
    out.push({
      rule: "E5",
      message: `E5: ${key}: the deprovision asked at ${world.t(at)} was handed ${handed}, without ${missing.map((j) => world.label(j)).join(", ")} that the backend ran for it: the operator lost ${missing.length === 1 ? "that job" : "those jobs"} from its job history (a status mapping that drops job records?)`,
    });
  }
  return out;
}
