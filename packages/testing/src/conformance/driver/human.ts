/**
 * The human operator of the simulation: when the engine blocks on an unknown launch
 * outcome (E5, a provider without `findJob`), it looks the launch up in the backend after a
 * while and answers, as the `LaunchOutcomeUnknown` condition asks.
 *
 * @module
 */
import {
  ConditionType,
  findCondition,
  type LaunchResolution,
  type PendingLaunch,
} from "@provisionkit/core";
import { storedStatus, type World } from "./world.js";

/** How long the human takes to answer (virtual ms). */
export const HUMAN_DELAY_MS = 60_000;

/** Tracks blocks and hands out resolutions. */
export class Human {
  readonly #answers = new Map<string, LaunchResolution>();

  /** @param world - the scenario's world. */
  constructor(readonly world: World) {}

  /** The answer for a resource, while its pending launch is the one answered. */
  resolutionFor(key: string): LaunchResolution | undefined {
    return this.#answers.get(key);
  }

  /** When the next answer is due. */
  nextDue(): number | undefined {
    const open = this.world.trace.blocks.filter((b) => b.resolvedAt === undefined);
    return open.length === 0 ? undefined : Math.min(...open.map((b) => b.at + HUMAN_DELAY_MS));
  }

  /**
   * Look at every resource: record new blocks, answer those that waited long enough.
   * Returns the keys answered now (to be reconciled at once).
   */
  observe(canFind: (provider: string) => boolean): string[] {
    const now = this.world.clock.now();
    const answered: string[] = [];
    for (const key of this.world.trace.resources) {
      const status = storedStatus(this.world.object(key));
      const pending = status?.pendingLaunch;
      const answer = this.#answers.get(key);
      if (answer && answer.correlationId !== pending?.correlationId) this.#answers.delete(key);
      if (!pending || !status) continue;
      // Only a launch the engine cannot settle on its own asks for a human (reason
      // NeedsResolution); while it is looking the job up (LookingUp) a human stays out.
      const condition = findCondition(status.conditions, ConditionType.LaunchOutcomeUnknown);
      const blocked = condition?.status === "True" && condition.reason === "NeedsResolution";
      let block = this.world.trace.blocks.find(
        (b) => b.resourceKey === key && b.pending.correlationId === pending.correlationId,
      );
      if (blocked && !block) {
        block = { resourceKey: key, at: now, pending, providerCanFind: canFind(pending.provider) };
        this.world.trace.blocks.push(block);
        this.world.mark(key, `LaunchOutcomeUnknown (${pending.type} ${pending.correlationId})`);
      }
      if (block && block.resolvedAt === undefined && now >= block.at + HUMAN_DELAY_MS) {
        const resolution = this.#resolve(key, pending);
        block.resolvedAt = now;
        block.resolution = resolution;
        this.#answers.set(key, resolution);
        answered.push(key);
        this.world.mark(
          key,
          `resolved by hand: ${resolution.jobId === undefined ? "nothing was launched" : `adopt ${resolution.jobId}`}`,
        );
      }
    }
    return answered;
  }

  /**
   * What the human finds: the job the launch created, by its correlation id in the backend,
   * under the id the provider gave it (from the launch call's answer, which the operator's
   * log showed before the crash), else under the backend's own id.
   */
  #resolve(key: string, pending: PendingLaunch): LaunchResolution {
    const since = Date.parse(pending.createdAt);
    const jobs = this.world
      .ledger()
      .filter((j) => j.resourceKey === key && j.operation === pending.type);
    const job =
      jobs.find((j) => j.correlationId === pending.correlationId) ??
      jobs.find((j) => j.correlationId === undefined && j.createdAt >= since);
    const resolution: LaunchResolution = { correlationId: pending.correlationId };
    const call = this.world.trace.calls.find(
      (c) =>
        (c.method === "triggerProvision" || c.method === "triggerDeprovision") &&
        c.correlationId === pending.correlationId &&
        c.outcome.ok,
    );
    const answer = call?.outcome.ok
      ? (call.outcome.value as { jobId?: unknown; blockDeletionOnFailure?: unknown } | undefined)
      : undefined;
    const answered = typeof answer?.jobId === "string" ? answer.jobId : undefined;
    if (!job && answered === undefined) return resolution;
    resolution.jobId = answered ?? job?.id;
    if (typeof answer?.blockDeletionOnFailure === "boolean") {
      resolution.blockDeletionOnFailure = answer.blockDeletionOnFailure;
    }
    return resolution;
  }
}
