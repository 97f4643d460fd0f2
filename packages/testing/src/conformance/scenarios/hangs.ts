/**
 * P9 against a hung backend: requests held unanswered, and each call waiting on one
 * aborted.
 *
 * @module
 */
import { SPECS } from "../driver/session.js";
import { single } from "./scenario.js";

/** How long the scripted provision jobs run: long enough to be read, cancelled and deleted. */
const LONG_JOB_MS = 10 * 60_000;

/**
 * The backend holds requests unanswered: a status read, the read and the cancel of a cancel,
 * a lookup after a lost launch answer, a launch (never carried out), the reads, the cancel
 * and the template read before a deprovision, and a status read of the deprovision job. As
 * each is held, the suite aborts the provider call waiting on it: the call must then settle
 * within the grace (P9, checked as L1), and the engine must get on once the backend answers
 * again (E3, E4, E5). A provider that drops the signal somewhere on the way to its HTTP
 * client keeps waiting on the held request, and a controller's shutdown could not end it
 * either.
 *
 * Each phase holds only a few requests (later ones go through), so the run ends like its
 * fault-free twin. A provider that makes no such request in a phase (an EDA provider learns
 * of its jobs from the resource) meets no hold there; a held launch is whatever the backend
 * calls one (on the EDA backend, a webhook event). The launch phase needs `findJob`: a
 * launch aborted in flight has an unknown outcome. No job ends failed while requests are
 * held: the EDA backend's write-back reads a failed job's explanation from the same AAP
 * simulator, and must not wait on a hold.
 */
export const hungRequests = single(
  {
    id: "hung-requests",
    title: "requests held unanswered; each waiting call aborted",
    rules: ["E3", "E4", "E5", "L1"],
    needs: { controls: ["holds"] },
  },
  async (s, env) => {
    // A status read held.
    s.scriptNext("provision", { durationMs: 60_000 });
    const key = s.create("w1", SPECS.A);
    const provisions = (): number =>
      s.ledger(key).filter((j) => j.operation === "provision").length;
    await s.until(() => s.active(key, "provision"), "a provision job running", "E3", key);
    s.holdNext("read", 1);
    await s.untilReady(key);

    if (env.capabilities.cancel) {
      // A spec change cancels the running job: its read and its cancel held.
      s.scriptNext("provision", { durationMs: LONG_JOB_MS });
      s.setSpec(key, SPECS.B);
      await s.until(() => provisions() === 2, "a second provision job launched", "E3", key);
      await s.runFor(15_000);
      s.holdNext("read", 2);
      s.holdNext("cancel", 1);
      s.setSpec(key, SPECS.C);
      await s.untilReady(key);
    }

    if (env.controls.loseAnswers === true && env.capabilities.findJob) {
      // A launch's answer lost: the lookup that follows held.
      s.world.backend.loseNextAnswer?.("provision");
      s.world.mark(key, "the answer of the next provision launch is lost");
      s.holdNext("read", 1);
      s.setSpec(key, SPECS.A);
      await s.untilReady(key);

      // A launch held, and never carried out: aborted, its outcome unknown, the engine looks
      // for its job, finds none, and launches again after its grace.
      s.holdNext("launch", 1);
      s.setSpec(key, SPECS.C);
      await s.untilReady(key);
    }

    // Deleted while provisioning: the reads and the cancel before the deprovision held, and
    // the first read of the deprovision's template (a launch that has sent nothing yet).
    s.scriptNext("provision", { durationMs: LONG_JOB_MS });
    s.setSpec(key, SPECS.B);
    await s.runFor(15_000);
    s.holdNext("read", 2);
    s.holdNext("cancel", 1);
    s.holdNext("template", 1);
    s.scriptNext("deprovision", { durationMs: 60_000 });
    s.delete(key);
    // And a status read of the deprovision job, once one was answered (a provider may find
    // a job its own way the first time, and read it directly after). A deprovision that
    // ended before any read was answered is no failure here: that read is just not held.
    const answered = (): boolean =>
      s.world.trace.calls.some((c) => c.method === "getDeprovisionStatus" && c.outcome.ok);
    const ended = (): boolean => s.latest(key, "deprovision")?.finishedAt !== undefined;
    await s.until(
      () => answered() || ended() || s.world.object(key) === undefined,
      "a deprovision job whose status was read once, or that ended",
      "E4",
      key,
    );
    if (s.active(key, "deprovision")) s.holdNext("read", 1);
    await s.untilGone(key);
    s.releaseHeld();
  },
  () => ({ engine: { onSpecChangeWhileRunning: "cancel" } }),
);
