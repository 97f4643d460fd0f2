/**
 * The rule engine and the `run_job_template` / `run_workflow_template` actions: matching
 * due events to rules, launching over HTTP, and the rulebook's job polling that paces the
 * `sequential` execution strategy.
 *
 * @module
 */
import type { AapLedgerJob } from "../aap/records.js";
import type { Clock } from "../clock.js";
import type { AapClient } from "./aap-client.js";
import type { Activation } from "./activation.js";
import type { ResolvedActivation, ResolvedRule } from "./options.js";
import type { EdaEventRecord } from "./records.js";

/**
 * The rulebook's `limit`: the ruleset's hosts joined by commas. The product rulebooks use
 * `hosts: all`.
 */
const LIMIT = "all";

/** What the rule engine needs. */
export interface RuleEngineDeps {
  /** The activation (status, queue, pending actions). */
  readonly activation: Activation;
  /** The rules, first match wins. */
  readonly rules: readonly ResolvedRule[];
  /** Activation settings. */
  readonly settings: ResolvedActivation;
  /** The AAP API. */
  readonly aap: AapClient;
  /** A job's ledger entry at the clock's current time. */
  readonly job: (id: number) => AapLedgerJob | undefined;
  /** The clock. */
  readonly clock: Clock;
}

/** The rule engine. */
export class RuleEngine {
  readonly #deps: RuleEngineDeps;

  /** @param deps - Activation, rules, AAP and clock. */
  constructor(deps: RuleEngineDeps) {
    this.#deps = deps;
  }

  /** The first rule matching an event, if any. */
  match(record: EdaEventRecord): ResolvedRule | undefined {
    return this.#deps.rules.find((rule) =>
      record.source === "webhook"
        ? rule.endpoint !== undefined && rule.endpoint === record.endpoint
        : rule.eventStream !== undefined && rule.eventStream === record.eventStream,
    );
  }

  /**
   * Completes the actions whose job a poll has seen terminal by `now`. ansible-rulebook
   * GETs the job right after the launch, then every `jobPollMs`, so a job that ended at
   * `f` is seen at the first `launchedAt + k × jobPollMs` (k ≥ 0) not before `f`.
   */
  observe(now: number): void {
    const { activation, settings } = this.#deps;
    for (const action of [...activation.actions]) {
      const job = this.#deps.job(action.job.id);
      if (job?.finishedAt === undefined) continue;
      const polls = Math.ceil((job.finishedAt - action.launchedAt) / settings.jobPollMs);
      const seenAt = action.launchedAt + Math.max(0, polls) * settings.jobPollMs;
      if (seenAt > now) continue;
      action.record.completedAt = seenAt;
      action.record.jobStatus = job.status;
      activation.actions.splice(activation.actions.indexOf(action), 1);
    }
  }

  /**
   * Processes the queued events due by `now`, in arrival order: an event no rule matches
   * is `unmatched`; a matching one launches unless the `sequential` strategy has an
   * action in flight (then it waits, and so do the matching events behind it).
   */
  async launchDue(now: number): Promise<void> {
    const { activation, settings } = this.#deps;
    if (activation.status() !== "running") return;
    const sequential = settings.executionStrategy === "sequential";
    const generation = activation.generation;
    for (const record of [...activation.queue]) {
      // A restart or stop during a launch request ends this pass.
      if (activation.generation !== generation) break;
      if ((record.dueAt ?? now) > now) break;
      const rule = this.match(record);
      if (!rule) {
        this.#dequeue(record);
        record.fate = "unmatched";
        continue;
      }
      if (sequential && activation.actions.length > 0) continue;
      this.#dequeue(record);
      await this.#launch(record, rule);
    }
  }

  #dequeue(record: EdaEventRecord): void {
    const { queue } = this.#deps.activation;
    const index = queue.indexOf(record);
    if (index >= 0) queue.splice(index, 1);
  }

  async #launch(record: EdaEventRecord, rule: ResolvedRule): Promise<void> {
    const { activation, settings, aap, clock } = this.#deps;
    const generation = activation.generation;
    const launchedAt = clock.now();
    record.rule = rule.name;
    record.launchedAt = launchedAt;
    const extraVars = {
      ansible_eda: { ruleset: settings.rulesetName, rule: rule.name, event: record.event },
    };
    const outcome = await aap.launch(rule.template, rule.organization, rule.templateKind, {
      limit: LIMIT,
      extraVars,
    });
    if (!outcome.ok) {
      record.fate = "launch-failed";
      record.reason = outcome.reason;
      if (outcome.status !== undefined) record.launchStatus = outcome.status;
      return;
    }
    record.fate = "launched";
    record.job = outcome.job;
    // A restart during the launch request forgets the action; the job goes on in AAP.
    if (activation.generation === generation) {
      activation.actions.push({ record, launchedAt, job: outcome.job });
    }
  }
}
