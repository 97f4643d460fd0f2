/**
 * The Event-Driven Ansible simulator.
 *
 * @module
 */
import type { AapLedgerJob } from "../aap/records.js";
import type { AapSimulator } from "../aap/simulator.js";
import type { Clock } from "../clock.js";
import { AapClient } from "./aap-client.js";
import { Activation } from "./activation.js";
import { STREAM_PATH_PREFIX } from "./constants.js";
import { EventLog } from "./event-log.js";
import type { EdaFaults } from "./fault-types.js";
import { FaultRegistry } from "./faults.js";
import { Intake } from "./intake.js";
import { KubeClient } from "./kube-client.js";
import { resolveConnection } from "./kube-connection.js";
import { resolveOptions, type ResolvedOptions } from "./options.js";
import { PlaybookRunner } from "./playbook.js";
import type {
  EdaActivationStatus,
  EdaEffectRecord,
  EdaEventRecord,
  EdaEventStreamState,
  EdaRequestRecord,
} from "./records.js";
import { RuleEngine } from "./rule-engine.js";
import { StreamServer } from "./stream-server.js";
import { StreamRegistry, type StreamEntry } from "./streams.js";
import type { EdaSimulatorOptions } from "./types.js";
import { WebhookServer } from "./webhook-server.js";

/** How errors name this simulator when it is used before `start()`. */
const NOT_STARTED_SUBJECT = "the EDA simulator";

/** The base URLs of a started {@link EdaSimulator}. */
export interface EdaSimulatorUrls {
  /** Base URL of the webhook source; events go to `${webhookUrl}/<endpoint>`. */
  webhookUrl: string;
  /** Base URL of the EDA server (the gateway); see {@link EdaSimulator.eventStreamUrl}. */
  eventStreamBaseUrl: string;
}

/**
 * A rulebook activation with the `ansible.eda.webhook` source and the AAP 2.5+ EDA
 * server's event streams, as two real HTTP servers on loopback. Accepted events go through
 * a rule engine that launches jobs **over HTTP** on an {@link AapSimulator}, and the
 * playbooks behind the rules' templates write their side effects on the Kubernetes
 * resource **through the Kubernetes API** (the `KubernetesApiSimulator` or a real one).
 *
 * Time is driven by {@link pump}: it processes whatever is due at `clock.now()` (events
 * past the rule-engine latency, job polls, effects of jobs that ended). With the system
 * clock it runs by itself on an interval; with a `VirtualClock`, advance the clock, then
 * `await eda.pump()`. Launches and writes happen at the pump's time, so step the clock to
 * the instants that matter.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const aap = new AapSimulator({ clock });
 * aap.addJobTemplate({ name: "provision", script: { runMs: 10_000 } });
 * await aap.start();
 * const eda = new EdaSimulator({
 *   aap,
 *   kubernetes: kube.kubeconfig(),
 *   rules: [{ endpoint: "create-compute-instance", template: "provision" }],
 * });
 * const { webhookUrl } = await eda.start();
 * await fetch(`${webhookUrl}/create-compute-instance`, { method: "POST", body: "{}" });
 * await eda.pump(); // launches
 * clock.advance(11_000);
 * await eda.pump(); // the job ended: its playbook's effect is written
 * await eda.stop();
 * ```
 */
export class EdaSimulator {
  /** The clock every time is computed from. */
  readonly clock: Clock;
  /**
   * Fault injection on the webhook: answer its next events with an HTTP status (429, 503,
   * …), drop the answer of an event taken, or hold events unanswered.
   */
  readonly faults: EdaFaults;
  readonly #aap: AapSimulator;
  readonly #options: ResolvedOptions;
  readonly #streams: StreamRegistry;
  readonly #activation: Activation;
  readonly #log = new EventLog();
  readonly #intake: Intake;
  readonly #engine: RuleEngine;
  readonly #playbooks: PlaybookRunner;
  readonly #webhook: WebhookServer;
  readonly #streamServer: StreamServer;
  readonly #effects: EdaEffectRecord[] = [];
  readonly #requests: EdaRequestRecord[] = [];
  #pumping: Promise<void> = Promise.resolve();
  #busy = false;
  #timer: ReturnType<typeof setInterval> | undefined;

  /**
   * @param options - AAP simulator, rules, sources, activation, playbook and connection.
   * @throws TypeError for inconsistent rules, streams or kubeconfig; RangeError for bad
   *   durations.
   */
  constructor(options: EdaSimulatorOptions) {
    this.#aap = options.aap;
    this.#streams = new StreamRegistry(options.eventStreams ?? []);
    this.#options = resolveOptions(options, this.#streams.names());
    const { clock, activation, playbook, rules } = this.#options;
    this.clock = clock;
    const connection = resolveConnection(options.kubernetes);
    const aap = new AapClient(() => this.#aap.url, this.#options.aapAuth);
    this.#activation = new Activation(clock, activation);
    const faults = new FaultRegistry();
    this.faults = faults;
    this.#intake = new Intake({
      activation: this.#activation,
      log: this.#log,
      settings: activation,
      playbook,
      clock,
      queueDelay: (endpoint) => faults.queueDelayOf(endpoint),
    });
    this.#engine = new RuleEngine({
      activation: this.#activation,
      rules,
      settings: activation,
      aap,
      job: (id) => this.#aap.job(id),
      clock,
    });
    this.#playbooks = new PlaybookRunner({
      settings: playbook,
      covers: (job) => this.#covers(job),
      kube: connection && new KubeClient(connection),
      aap,
      clock,
      record: (effect) => this.#effects.push(effect),
    });
    const record = (request: EdaRequestRecord) => this.#requests.push(request);
    this.#webhook = new WebhookServer({
      settings: this.#options.webhook,
      activation: this.#activation,
      intake: this.#intake,
      faults,
      record,
    });
    this.#streamServer = new StreamServer({ streams: this.#streams, intake: this.#intake, record });
  }

  /**
   * Starts both servers on 127.0.0.1 (random ports) and the activation, which is
   * `starting` for `startupMs`; in real-time mode, starts the pump timer.
   */
  async start(): Promise<EdaSimulatorUrls> {
    const [webhookUrl, eventStreamBaseUrl] = await Promise.all([
      this.#webhook.start(),
      this.#streamServer.start(),
    ]);
    this.#activation.start();
    const interval = this.#options.pumpIntervalMs;
    if (interval !== false && this.#timer === undefined) {
      this.#timer = setInterval(() => this.#tick(), interval);
      this.#timer.unref();
    }
    return { webhookUrl, eventStreamBaseUrl };
  }

  /**
   * Stops the pump timer, waits for a running pump, stops the activation (queued events
   * are lost) and closes both servers. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#pumping.catch(() => undefined);
    await this.#playbooks.idle();
    this.#intake.lose(this.#activation.stop(), "activation stopped");
    await Promise.all([this.#webhook.stop(), this.#streamServer.stop()]);
  }

  /**
   * Base URL of the webhook source (no trailing slash).
   *
   * @throws Error if the simulator is not started.
   */
  get webhookUrl(): string {
    return this.#webhook.startedUrl(NOT_STARTED_SUBJECT);
  }

  /**
   * Base URL of the EDA server (no trailing slash).
   *
   * @throws Error if the simulator is not started.
   */
  get eventStreamBaseUrl(): string {
    return this.#streamServer.startedUrl(NOT_STARTED_SUBJECT);
  }

  /**
   * The POST URL of an event stream:
   * `${eventStreamBaseUrl}/eda-event-streams/api/eda/v1/external_event_stream/<uuid>/post/`.
   *
   * @throws Error for an unknown stream or when the simulator is not started.
   */
  eventStreamUrl(name: string): string {
    return `${this.eventStreamBaseUrl}${STREAM_PATH_PREFIX}${this.#stream(name).uuid}/post/`;
  }

  /** The activation's status at `clock.now()`. */
  get activationStatus(): EdaActivationStatus {
    return this.#activation.status();
  }

  /**
   * Restarts the activation: `starting` for `startupMs` from now (the webhook answers 503,
   * stream events are lost); queued events not yet launched are lost unless
   * `keepQueueOnRestart`; actions in flight are forgotten (their AAP jobs go on, and their
   * effects are still played).
   *
   * @throws Error when the simulator is not started.
   */
  restartActivation(): void {
    if (this.#activation.status() === "stopped")
      throw new Error(`${NOT_STARTED_SUBJECT} is not started`);
    this.#intake.lose(this.#activation.restart(), "activation restarted");
  }

  /**
   * Turns an event stream's test mode on or off.
   *
   * @throws Error for an unknown stream.
   */
  setTestMode(name: string, testMode: boolean): void {
    this.#stream(name).state.testMode = testMode;
  }

  /**
   * Processes everything due at `clock.now()`: starts the playbooks of jobs (of the rules'
   * templates) that ended, each job's on its own and several at once (see
   * `PLAYBOOK_CONCURRENCY`); then the rulebook's job polls and the queued events whose
   * latency has passed (when the activation is running; with the `sequential` strategy, only
   * while no action is in flight), serialized with other calls. Resolves when both are done:
   * the effects of the playbooks this call started are recorded.
   */
  pump(): Promise<void> {
    const { plays, rest } = this.#startPump();
    return Promise.all([plays, rest]).then(() => undefined);
  }

  /** Every event received so far, with its fate (copies), in arrival order. */
  events(): EdaEventRecord[] {
    return this.#log.all();
  }

  /** How many playbook side effects were recorded so far (what {@link effects} would list). */
  get effectCount(): number {
    return this.#effects.length;
  }

  /** Every playbook side effect applied or attempted so far (copies), in order. */
  effects(): EdaEffectRecord[] {
    return this.#effects.map((effect) => structuredClone(effect));
  }

  /**
   * The state the EDA server keeps for an event stream (a copy).
   *
   * @throws Error for an unknown stream.
   */
  eventStream(name: string): EdaEventStreamState {
    const entry = this.#stream(name);
    const url = this.#streamServer.url && this.eventStreamUrl(name);
    return { ...structuredClone(entry.state), url };
  }

  /** Every request either server received (copies); no credentials or signatures. */
  requests(): EdaRequestRecord[] {
    return this.#requests.map((request) => structuredClone(request));
  }

  /** Starts the due playbooks (not serialized) and queues the rulebook's part of a pump. */
  #startPump(): { plays: Promise<void>; rest: Promise<void> } {
    const plays = this.#playbooks.run(this.#aap.ledger());
    const rest = this.#pumping.then(() => this.#pumpOnce());
    this.#pumping = rest.catch(() => undefined);
    return { plays, rest };
  }

  async #pumpOnce(): Promise<void> {
    const now = this.clock.now();
    this.#engine.observe(now);
    await this.#engine.launchDue(now);
  }

  #tick(): void {
    if (this.#busy) return;
    this.#busy = true;
    // Errors (AAP or the API server stopped first, say) are left to the next tick. A slow
    // playbook does not hold the next tick: the plays run on their own.
    const { plays, rest } = this.#startPump();
    plays.catch(() => undefined);
    void rest
      .catch(() => undefined)
      .finally(() => {
        this.#busy = false;
      });
  }

  #covers(job: AapLedgerJob): boolean {
    const kind = job.kind === "job" ? "job_template" : "workflow_job_template";
    return this.#options.rules.some(
      (rule) =>
        rule.template === job.templateName &&
        rule.templateKind === kind &&
        rule.organization === job.organization,
    );
  }

  #stream(name: string): StreamEntry {
    const entry = this.#streams.byName(name);
    if (!entry) throw new Error(`no event stream named "${name}"`);
    return entry;
  }
}
