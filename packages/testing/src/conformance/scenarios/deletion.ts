/**
 * @module
 */
import { isTerminal } from "@provisionkit/core";
import { SPECS, type Session } from "../driver/session.js";
import { single } from "./scenario.js";

/**
 * Deleted before anything was launched: one resource whose finalizer a controller added
 * before dying (the deprovision may be skipped, P6), one deleted before any controller saw it.
 */
export const deleteBeforeProvisioning = single(
  { id: "delete-before-provisioning", title: "delete before provisioning", rules: ["P6", "E4"] },
  async (s) => {
    const first = s.create("w1", SPECS.A, true);
    const second = s.create("w2", SPECS.A);
    s.delete(first);
    s.delete(second);
    await s.untilGone(first);
    await s.untilGone(second);
  },
);

/** Deleted while a long provision job runs: it is canceled or awaited, never overlapped (P5, E1). */
export const deleteWhileProvisioning = single(
  {
    id: "delete-while-provisioning",
    title: "delete while provisioning",
    rules: ["P5", "E1", "E4"],
  },
  (s) => deleteWhileProvisioningWith(s),
);

/**
 * A 120 s provision job launched, 15 s of it run, then the deletion (after `beforeDelete`,
 * which may inject a fault) and its wait until the object is gone.
 */
export async function deleteWhileProvisioningWith(
  s: Session,
  beforeDelete: () => void = () => undefined,
): Promise<void> {
  s.scriptNext("provision", { durationMs: 120_000 });
  const key = s.create("w1", SPECS.A);
  await s.until(() => s.active(key, "provision"), "a provision job running", "E3", key);
  await s.runFor(15_000);
  beforeDelete();
  s.delete(key);
  await s.untilGone(key);
}

/** Deleted once Ready: deprovisioned (not skipped, P6), then the finalizer goes (E4). */
export const deleteAfterProvisioning = single(
  { id: "delete-after-provisioning", title: "delete after provisioning", rules: ["P6", "E4"] },
  async (s) => {
    const key = s.create("w1", SPECS.A);
    await s.untilReady(key);
    s.delete(key);
    await s.untilGone(key);
  },
);

/**
 * The provision job fails, the resource is deleted, and the operator restarts while the
 * deprovision job runs: the new process's fresh provider must judge that job from what the
 * status holds (its job id) and the backend, not from the memory of the process that
 * launched it (P3), so the finalizer goes only after the teardown ran (E4). An EdaProvider
 * that kept "this delete event went out without the playbook's finalizer" in memory read the
 * missing finalizer as a finished teardown here (issue 16).
 */
export const restartDuringDeprovision = single(
  {
    id: "restart-during-deprovision",
    title: "failed provision, delete, restart while the deprovision runs",
    rules: ["P3", "P6", "E4"],
    needs: { controls: ["failures"] },
  },
  async (s) => {
    s.scriptNext("provision", { outcome: "failed", durationMs: 20_000 });
    s.scriptNext("deprovision", { durationMs: 60_000 });
    const key = s.create("w1", SPECS.A);
    await s.until(
      () =>
        s.status(key)?.jobs.some((j) => j.type === "provision" && j.state === "Failed") === true,
      "the failed provision job recorded",
      "P3",
      key,
    );
    s.delete(key);
    await s.until(
      () =>
        s.status(key)?.jobs.some((j) => j.type === "deprovision" && !isTerminal(j.state)) === true,
      "a deprovision job recorded and not ended",
      "E4",
      key,
    );
    for (const process of s.driver.processes) s.driver.restart(process);
    await s.untilGone(key);
  },
);

/** The provision job fails; the resource is deleted before the retry. */
export const failedProvisionThenDelete = single(
  {
    id: "failed-provision-then-delete",
    title: "failed provision, then delete",
    rules: ["P3", "P6", "E2", "E4"],
    needs: { controls: ["failures"] },
  },
  async (s) => {
    s.scriptNext("provision", { outcome: "failed", durationMs: 20_000 });
    const key = s.create("w1", SPECS.A);
    await s.until(
      () =>
        s.status(key)?.jobs.some((j) => j.type === "provision" && j.state === "Failed") === true,
      "the failed provision job recorded",
      "P3",
      key,
    );
    s.delete(key);
    await s.untilGone(key);
  },
);

/**
 * The engine's job timeout marks a provision job `Failed` (reason `Timeout`) while the
 * backend still runs it (`awaitingEnd`), and the resource is deleted before the job ends. The
 * record looks terminal, but the job is not: a provider that trusts the record's state
 * starts the deprovision on top of the running provision (P5, E1); a contract-keeping one
 * settles it first, as for any running provision job (cancels it, or waits for its end).
 */
export const deleteAfterJobTimeout = single(
  {
    id: "delete-after-job-timeout",
    title: "delete while a timed-out provision job still runs",
    rules: ["P5", "E1", "E4"],
  },
  async (s) => {
    s.scriptNext("provision", { durationMs: 20 * 60_000 });
    const key = s.create("w1", SPECS.A);
    await s.until(
      () =>
        s.status(key)?.jobs.some((j) => j.type === "provision" && j.awaitingEnd === true) === true,
      "the provision job marked Failed by the job timeout, still awaiting its end",
      "E1",
      key,
    );
    s.delete(key);
    await s.untilGone(key);
  },
  () => ({ engine: { jobTimeoutMs: 5 * 60_000 } }),
);
