/**
 * The ready-made conformance backend for the EDA simulator: a provider sending events to a
 * rulebook's webhook source, whose rules launch AAP templates and whose playbooks write
 * back onto the resource through the Kubernetes API.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import type { JobType, Provider } from "@provisionkit/core";
import { EdaSimulator } from "../../eda/simulator.js";
import type {
  EdaActivationOptions,
  EdaPlaybookOptions,
  EdaWriteBackFault,
} from "../../eda/types.js";
import type {
  BackendContext,
  BackendControls,
  BackendFaultPlan,
  ConformanceBackend,
  ConformanceJob,
  ConformanceJobScript,
  HeldRequestKind,
  InjectedFaults,
} from "../types.js";
import {
  AAP_FAILURE_KINDS,
  AapRun,
  faultCount,
  writeToken,
  type AapRunOptions,
} from "./aap-run.js";
import { conventionalNames, type OperationNames } from "./names.js";
import { EVERY_CONTROL, SimulatorBackend } from "./simulator-backend.js";
import { aapFaultKinds, edaFaultKinds, injectKinds } from "./soak-faults.js";
import { queuedMsOf } from "../job-script.js";

/** Where the provider under test reaches the EDA simulator (and the AAP simulator behind it). */
export interface EdaBackendEndpoint {
  /** Base URL of the webhook source; events go to `${webhookUrl}/<endpoint>`. */
  webhookUrl: string;
  /** The HMAC secret the webhook source checks (sha256, hex, `X-Hub-Signature-256`). */
  hmacSecret: string;
  /** The AAP simulator the rules launch on, for providers in AAP mode. */
  aap: {
    /** The AAP base URL (the API path is discovered). */
    url: string;
    /** A bearer token with write scope. */
    token: string;
  };
  /**
   * The scenario's virtual clock, in epoch ms: pass it to the provider's `now` option, so its
   * timeouts and event throttling run on the scenario's time.
   */
  now: () => number;
  /**
   * Set when the suite needs a provider declaring this `blockDeletionOnFailure` (the
   * failed-deprovision scenario of the flag the provider does not declare by default):
   * pass it to the provider's option. Absent: the provider's default.
   */
  blockDeletionOnFailure?: boolean;
  /**
   * Set when the suite needs a provider that gives up on its jobs sooner than by default
   * (`slow-provision-after-timeout`, see `ProviderVariant.jobTimeoutMs`): pass it to
   * EdaProvider's `provisionTimeoutMs` and `deprovisionTimeoutMs`.
   */
  jobTimeoutMs?: number;
}

/** How the simulated rulebook activation and its playbooks behave. */
export interface EdaBackendSimulatorOptions extends EdaActivationOptions {
  /** Playbook side effects (the resource kind's plural is always set from the scenario). */
  playbook?: EdaPlaybookOptions;
}

/** Options of {@link edaSimulatorBackend}. */
export interface EdaSimulatorBackendOptions {
  /**
   * Builds the provider under test, e.g. an `EdaProvider` with
   * `target: { type: "webhook", url: webhookUrl }` and `auth: { type: "hmac", secret: hmacSecret }`.
   * Called once per simulated process.
   */
  provider: (endpoint: EdaBackendEndpoint) => Provider;
  /**
   * The activation (default `executionStrategy: "parallel"`, as rulebooks that provision
   * set, and `eventLatencyMs: 0`) and its playbooks.
   */
  eda?: EdaBackendSimulatorOptions;
  /** The AAP side: simulator options, template names, workflow templates. */
  aap?: AapRunOptions;
  /**
   * The webhook endpoints the rules match; default the EDA provider's convention
   * `create-<kebab kind>` / `delete-<kebab kind>`.
   */
  endpoints?: { provision?: string; deprovision?: string };
  /** Shown in reports (default `EDA simulator`). */
  name?: string;
}

/** When a job's playbook was played (epoch ms) and whether its writes failed (`rescue:`). */
interface Played {
  readonly at: number;
  readonly failed: boolean;
}

interface Running {
  readonly run: AapRun;
  readonly eda: EdaSimulator;
  readonly aapUrl: string;
  readonly webhookUrl: string;
  /** The webhook endpoint of each operation. */
  readonly endpoints: OperationNames;
}

class EdaSimulatorBackend
  extends SimulatorBackend<Running, EdaBackendEndpoint>
  implements ConformanceBackend
{
  readonly name: string;
  override readonly controls: BackendControls = Object.freeze({
    ...EVERY_CONTROL,
    strays: true,
    handLaunches: true,
    loseAnswers: true,
    readFailures: true,
    cancelFailures: true,
    holds: true,
    queuedJobs: true,
    // The AAP job behind an event ends in AWX's `error` as in `failed`: the rules' playbooks
    // write the failure annotation for both (playbook-plan.ts), AAP mode reads the job's state.
    failureKinds: AAP_FAILURE_KINDS,
  });
  readonly #options: EdaSimulatorBackendOptions;
  readonly #hmacSecret = `hmac-${randomBytes(18).toString("base64url")}`;
  readonly #token: string;
  /** Write-back faults for the next jobs of each operation, oldest first. */
  readonly #writeBacks: Record<JobType, EdaWriteBackFault[]> = { provision: [], deprovision: [] };

  /**
   * The last scenario's simulator and, by AAP job id, whether each played job's playbook
   * failed to write (its `rescue:` ran), refreshed when it recorded new effects; kept after
   * `stop` as the ledger is.
   */
  #plays: { eda: EdaSimulator; seen: number; played: Map<string, Played> } | undefined;

  /**
   * The AAP simulator's jobs as conformance jobs, with one correction: a job AAP ended
   * `successful` whose playbook then failed to write (a request of its `kubernetes.core.k8s`
   * tasks refused, so its `rescue:` ran) ended `failed`. The simulator decides a job's
   * status before its playbook's writes are played; the reference playbooks' `rescue:` ends
   * with `ansible.builtin.fail` (`ansible/playbooks/provision.yml` and `deprovision.yml`,
   * "Fail the job, as the playbook failed"), so the real job fails. Without this, a job
   * whose write-back the soak's Kubernetes faults defeated read as a success the operator
   * could never see: its retry counted as an E2 duplicate and its version as owed by E3.
   *
   * The job's end stays AAP's, though the real job ends after its playbook's writes: a
   * provider in AAP mode learns the end from AAP, which the simulator reports before the
   * writes are played, so moving the end to the write-back made its releases look early (E4).
   */
  override ledger(): ConformanceJob[] {
    const jobs = super.ledger();
    const plays = this.#plays;
    if (plays === undefined) return jobs;
    if (plays.eda.effectCount !== plays.seen) {
      const effects = plays.eda.effects();
      plays.seen = effects.length;
      plays.played = new Map(
        effects.map((e) => [
          String(e.jobId),
          { at: e.at, failed: e.outcome === "failed" && e.jobStatus === "successful" },
        ]),
      );
    }
    for (const job of jobs) {
      const played = plays.played.get(job.id);
      if (played === undefined) continue;
      if (job.outcome === "succeeded" && played.failed) job.outcome = "failed";
    }
    return jobs;
  }

  constructor(options: EdaSimulatorBackendOptions) {
    super(options?.provider, "edaSimulatorBackend");
    this.#options = options;
    this.#token = writeToken(options.aap?.simulator?.auth);
    this.name = options.name ?? "EDA simulator";
  }

  get secrets(): readonly string[] {
    return [this.#hmacSecret, this.#token];
  }

  async start(context: BackendContext): Promise<void> {
    this.assertIdle();
    const run = new AapRun(context, this.#options.aap ?? {});
    const aapUrl = await run.aap.start();
    try {
      const endpoints = conventionalNames(context.resource.kind, this.#options.endpoints);
      const eda = this.#simulator(context, run);
      const { webhookUrl } = await eda.start();
      this.begin({ run, eda, aapUrl, webhookUrl, endpoints });
      this.#plays = { eda, seen: 0, played: new Map() };
    } catch (error) {
      await run.aap.stop();
      throw error;
    }
  }

  protected async shutdown(state: Running): Promise<void> {
    await state.eda.stop();
    await state.run.aap.stop();
  }

  protected endpoint({ aapUrl, webhookUrl, run }: Running): EdaBackendEndpoint {
    const clock = run.aap.clock;
    return {
      webhookUrl,
      hmacSecret: this.#hmacSecret,
      aap: { url: aapUrl, token: run.token },
      now: () => clock.now(),
    };
  }

  async settle(): Promise<void> {
    await this.active()?.eda.pump();
  }

  /**
   * How the next job of `operation` plays out, on the AAP simulator; but its `queuedMs` is
   * spent in the EDA activation's queue (`faults.queueDelay` on the operation's endpoint):
   * the event is taken and answered at once, and its rule launches the AAP job only then, so
   * no AAP job exists for it until then (see `EdaQueueDelayRule`).
   *
   * @throws RangeError for a negative or non-finite `queuedMs` (and as `aapScript` throws).
   */
  override scriptNext(operation: JobType, script: ConformanceJobScript): void {
    const { queuedMs: _queued, ...rest } = script;
    const delayMs = queuedMsOf(script);
    const { eda, run, endpoints } = this.running();
    run.scriptNext(operation, rest);
    if (script.queuedMs !== undefined) {
      eda.faults.queueDelay({ endpoint: endpoints[operation], delayMs });
    }
  }

  /**
   * The next job of `operation` to end writes back late, or never (the operator suite's
   * late-completion scenarios; `EdaPlaybookOptions.writeBack`).
   */
  delayNextWriteBack(operation: JobType, fault: EdaWriteBackFault): void {
    this.#writeBacks[operation].push({ ...fault });
  }

  protected injectRateLimit({ eda }: Running, count: number, seconds: number): void {
    eda.faults.webhook({ status: 429, headers: { "Retry-After": String(seconds) }, times: count });
  }

  protected injectUnavailable({ eda }: Running, count: number): void {
    eda.faults.webhook({ status: 503, times: count });
  }

  /**
   * The next `count` job reads and lookups on the AAP simulator answered 503
   * (`AapRun.failJobReads`); events and the launches of the rules go through. A provider in
   * AAP mode reads its jobs there, so its check before it deprovisions (P5) fails. A provider
   * without AAP mode reads nothing over the network (its jobs' answers come with the
   * resource), so the outage leaves it untouched. A simulated playbook that reads a failed
   * job's `job_explanation` during the outage gets a 503 too, and falls back to
   * `job <id> ended <status>` as its failure reason.
   */
  failNextReads(count: number): void {
    this.running().run.failJobReads(count);
  }

  /**
   * The next `count` cancel POSTs on the AAP simulator answered 503 (`AapRun.failCancels`):
   * only a provider in AAP mode cancels there; one without AAP mode has no cancel.
   */
  failNextCancels(count: number): void {
    this.running().run.failCancels(count);
  }

  /**
   * Job reads and lookups (`read`) and cancels (`cancel`) on the AAP simulator: the requests
   * a provider in AAP mode makes there. `template` holds nothing, and `launch` holds no
   * request there: on the AAP simulator those are the rulebooks' own requests, which the
   * backend must not wait on. A provider's launches are webhook events, held by
   * {@link EdaSimulatorBackend.holdNext} on the EDA simulator instead.
   */
  protected override readonly heldKinds: readonly HeldRequestKind[] = ["read", "cancel"];
  #eventHolds = 0;

  /**
   * Reads and cancels as {@link SimulatorBackend.holdNext} holds them, on the AAP simulator.
   * `launch` holds the provider's next `count` webhook events, to any endpoint, on the EDA
   * simulator (`faults.hold` with `release: "abandon"`): released, a held event is dropped
   * unanswered and never reaches the rulebook, so no job is launched for it.
   *
   * @throws RangeError for a negative or fractional count.
   */
  override holdNext(kind: HeldRequestKind, count: number, onHeld: () => void): void {
    if (kind !== "launch") return super.holdNext(kind, count, onHeld);
    if (!faultCount(count)) return;
    const { eda } = this.running();
    const label = `event-hold-${++this.#eventHolds}`;
    eda.faults.onHold((held) => {
      if (held.label === label) onHeld();
    });
    eda.faults.hold({ times: count, release: "abandon", label });
  }

  /** Lets every held request go on: reads and cancels answered, held events dropped. */
  override releaseHeld(): void {
    super.releaseHeld();
    this.active()?.eda.faults.release();
  }

  /**
   * The next event to `operation`'s endpoint is taken (queued: its rule launches the job),
   * then its connection is dropped without an answer: the EDA simulator's
   * `faults.dropAfterAccept` (see `EdaDropAfterAcceptRule` for the source and the
   * assumption).
   */
  loseNextAnswer(operation: JobType): void {
    const { eda, endpoints } = this.running();
    eda.faults.dropAfterAccept({ endpoint: endpoints[operation], times: 1 });
  }

  /**
   * The soak's rate-based faults: on the webhook (`edaFaultKinds`), and on the AAP
   * simulator's API (`aapFaultKinds` without lost launch answers: the rules launch inside
   * the simulator), which a provider in AAP mode reads and cancels through.
   */
  injectFaults(plan: BackendFaultPlan): InjectedFaults {
    const { eda, run } = this.running();
    const webhook = injectKinds(edaFaultKinds(eda.faults, plan), plan.rate);
    const aap = injectKinds(aapFaultKinds(run.aap.faults, plan, false), plan.rate);
    return {
      counts: () => ({ ...webhook.counts(), ...aap.counts() }),
      remove: () => {
        webhook.remove();
        aap.remove();
      },
    };
  }

  #simulator(context: BackendContext, run: AapRun): EdaSimulator {
    const { playbook, ...activation } = this.#options.eda ?? {};
    const endpoints: OperationNames = conventionalNames(
      context.resource.kind,
      this.#options.endpoints,
    );
    const templateKind = run.workflow ? "workflow_job_template" : "job_template";
    const { kind, plural } = context.resource;
    return new EdaSimulator({
      clock: context.clock,
      aap: run.aap,
      aapAuth: { token: run.token },
      kubernetes: context.kubernetes.kubeconfig(),
      rules: [
        { endpoint: endpoints.provision, template: run.templates.provision, templateKind },
        { endpoint: endpoints.deprovision, template: run.templates.deprovision, templateKind },
      ],
      webhook: { hmac: { secret: this.#hmacSecret } },
      activation: { executionStrategy: "parallel", eventLatencyMs: 0, ...activation },
      playbook: {
        ...playbook,
        plurals: { [kind]: plural, ...playbook?.plurals },
        writeBack: (job) => {
          const operation =
            job.templateName === run.templates.provision
              ? "provision"
              : job.templateName === run.templates.deprovision
                ? "deprovision"
                : undefined;
          const queued = operation && this.#writeBacks[operation].shift();
          return queued || playbook?.writeBack?.(job);
        },
      },
      pumpIntervalMs: false,
    });
  }
}

/**
 * A {@link ConformanceBackend} on the EDA simulator, for providers that send events to a
 * rulebook activation's webhook source (`ansible.eda.webhook` with HMAC).
 *
 * Each `start` creates an `AapSimulator` (templates as in {@link aapSimulatorBackend}) and an
 * `EdaSimulator` on the scenario's clock, its rules mapping the endpoints
 * `create-<kebab kind>` / `delete-<kebab kind>` to the templates, its playbooks writing
 * back onto the resource in the scenario's Kubernetes API simulator (finalizer, applied
 * version and correlation id, failure annotation). `settle()` pumps the simulator: queued
 * events launch, ended jobs write back. A job exists in the ledger once its rule launched
 * it. Controls: scripted outcomes and durations, never-ending jobs, purges (EDA-only
 * providers never see AAP ids, only AAP mode notices), webhook answers 429 with
 * `Retry-After` or 503 for the next events, and 503 for the next job reads on the AAP
 * simulator (which only AAP mode makes), and holds: job reads and cancels on the AAP
 * simulator, events on the webhook. The HMAC secret is generated per backend.
 *
 * @example
 * ```ts
 * const backend = edaSimulatorBackend({
 *   provider: ({ webhookUrl, hmacSecret }) =>
 *     new EdaProvider({
 *       target: { type: "webhook", url: webhookUrl },
 *       auth: { type: "hmac", secret: hmacSecret },
 *     }),
 * });
 * ```
 */
export function edaSimulatorBackend(options: EdaSimulatorBackendOptions): ConformanceBackend {
  return new EdaSimulatorBackend(options);
}
