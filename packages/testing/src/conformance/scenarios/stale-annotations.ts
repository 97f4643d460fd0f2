/**
 * @module
 */
import { configVersion } from "@provisionkit/core";
import { isGone } from "../driver/goals.js";
import { SPECS } from "../driver/session.js";
import {
  declaredOnFailure,
  declaringFlag,
  probeDeclaredFlag,
  skipUnlessDeclarable,
  untilBlocked,
} from "./failed-deprovision.js";
import { single } from "./scenario.js";

/**
 * The launch annotations provisionkit's own providers put on the payload of every job they
 * cause (docs/eda-protocol.md), as a resource may carry them itself: copied from a job's
 * payload, or written by anyone who can edit the object. They name a launch no engine made,
 * another config version, a deprovision flag of `false` and another resource's uid.
 */
function staleAnnotations(): Record<string, string> {
  return {
    "provisionkit.io/correlation-id": "corr-stale",
    "provisionkit.io/operation": "provision",
    "provisionkit.io/config-version": configVersion(SPECS.B),
    "provisionkit.io/block-deletion-on-failure": "false",
    // core's RESOURCE_UID_ANNOTATION: a launch record that kept it would name another resource.
    "provisionkit.io/resource-uid": "uid-of-another-resource",
  };
}

/**
 * A resource carries, in its own `metadata.annotations`, the launch annotations of
 * provisionkit's providers naming a launch no engine made (see {@link staleAnnotations}). A
 * provider that copies the resource into what it sends must record its own launch over
 * them, or its jobs' records say what the resource said: the provision's reconciled version
 * is another one (P4), its own jobs read as another resource's (P10: refused, the resource
 * never Ready), and a deprovision job found after its launch answer was lost (the
 * provider declaring `blockDeletionOnFailure=true`) reads as non-blocking, so its failure
 * releases the finalizer (E5: the found job is not the job as launched; E4 follows). The
 * resource must become Ready with its own version, and after the failed deprovision stay
 * blocked until a retry succeeds.
 */
export const staleLaunchAnnotations = single(
  {
    id: "stale-launch-annotations",
    title: "a resource that carries launch annotations naming another launch",
    rules: ["P4", "P10", "E5", "E4"],
    needs: { capabilities: ["findJob"], controls: ["failures", "loseAnswers"] },
    skip: skipUnlessDeclarable(true),
  },
  async (s) => {
    const key = s.create("w1", SPECS.A);
    s.annotate(key, staleAnnotations(), "annotated with the launch annotations of corr-stale");
    await s.untilReady(key);
    // The deletion half needs a provider declaring true (learnt from a probe's deletion: the
    // lost answer would have said it); on one declaring false, the provision half alone runs.
    if ((await probeDeclaredFlag(s, "w0")) !== true) {
      s.world.mark(
        key,
        "the provider does not declare blockDeletionOnFailure=true: deletion half not run",
      );
      return;
    }
    s.scriptNext("deprovision", { outcome: "failed", durationMs: 20_000 });
    s.world.backend.loseNextAnswer?.("deprovision");
    s.world.mark(key, "the next deprovision launch's answer will be lost");
    s.delete(key);
    await s.until(
      () => declaredOnFailure(s, key) !== undefined || isGone(s.world, key),
      "the failed deprovision job recorded",
      "E4",
      key,
    );
    const declared = declaredOnFailure(s, key);
    if (declared === false) {
      const job = s.ledger(key).find((j) => j.operation === "deprovision");
      s.expect(
        "E5",
        `${key}'s deprovision job ${job?.id ?? "?"} was launched by a provider declaring ` +
          `blockDeletionOnFailure=true, but the engine recorded it as non-blocking after findJob ` +
          `found it (its launch answer was lost): the "false" is the resource's own stale ` +
          `provisionkit.io/block-deletion-on-failure annotation, not the launch's`,
      );
    } else if (declared === true) {
      await untilBlocked(s, key);
    }
    await s.untilGone(key);
  },
  (env) => declaringFlag(env, true),
);
