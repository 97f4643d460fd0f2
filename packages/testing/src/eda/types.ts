/**
 * Public configuration types of the EDA simulator: rules, webhook source, event streams,
 * activation, playbook side effects and connections.
 *
 * @module
 */
import type { AapLedgerJob } from "../aap/records.js";
import type { AapSimulator } from "../aap/simulator.js";
import type { Clock } from "../clock.js";

/** The kind of template a rule's action launches (`run_job_template` / `run_workflow_template`). */
export type EdaTemplateKind = "job_template" | "workflow_job_template";

/** The hash algorithms HMAC signatures may use. */
export type EdaHmacAlgorithm = "sha256" | "sha1" | "sha512";

/** How an HMAC digest is written in its header. */
export type EdaSignatureEncoding = "hex" | "base64";

/**
 * One rule of the rulebook: a condition on where the event came from, and the
 * `run_job_template` or `run_workflow_template` action it triggers. Exactly one of
 * `endpoint` and `eventStream` is set.
 */
export interface EdaRule {
  /**
   * The webhook path the rule matches, without the leading slash (the condition
   * `event.meta.endpoint == "<endpoint>"`), e.g. `create-compute-instance`.
   */
  endpoint?: string;
  /** The name of the event stream whose events the rule matches. */
  eventStream?: string;
  /** Name of the template to launch. */
  template: string;
  /** Kind of the template (default `"job_template"`). */
  templateKind?: EdaTemplateKind;
  /** Organization of the template (default `"Default"`, the AAP simulator's default). */
  organization?: string;
  /** The rule's name, as sent in `ansible_eda.rule` (default `"<endpoint or stream> → <template>"`). */
  name?: string;
}

/** HMAC verification of the webhook source (`hmac_*` options of `ansible.eda.webhook`). */
export interface EdaWebhookHmacOptions {
  /** The shared secret (`hmac_secret`). */
  secret: string;
  /** Hash algorithm (`hmac_algo`, default `"sha256"`). */
  algorithm?: EdaHmacAlgorithm;
  /** Header carrying the signature, matched case-insensitively (`hmac_header`, default `x-hub-signature-256`). */
  header?: string;
  /** Digest encoding (`hmac_format`, default `"hex"`). */
  format?: EdaSignatureEncoding;
}

/** Options of the `ansible.eda.webhook` source. */
export interface EdaWebhookOptions {
  /** When set, every request needs `Authorization: Bearer <token>` (the plugin's `token`). */
  token?: string;
  /** When set, every request body must carry a valid HMAC signature. */
  hmac?: EdaWebhookHmacOptions;
  /** `meta.source.name` of the events (default `"ansible.eda.webhook"`). */
  sourceName?: string;
}

/** Token authentication of an event stream ("Token Event Stream" credential). */
export interface EdaStreamTokenAuth {
  /** Discriminator. */
  type: "token";
  /** The expected token; a `Bearer ` prefix on the header value is stripped first. */
  token: string;
  /** Header carrying the token, matched case-insensitively (default `Authorization`). */
  header?: string;
}

/** Basic authentication of an event stream ("Basic Event Stream" credential). */
export interface EdaStreamBasicAuth {
  /** Discriminator. */
  type: "basic";
  /** Expected user name. */
  username: string;
  /** Expected password. */
  password: string;
  /** Header carrying the credentials (default `Authorization`). */
  header?: string;
}

/** HMAC authentication of an event stream ("HMAC Event Stream" credential). */
export interface EdaStreamHmacAuth {
  /** Discriminator. */
  type: "hmac";
  /** The shared secret. */
  secret: string;
  /** Hash algorithm (default `"sha256"`). */
  algorithm?: EdaHmacAlgorithm;
  /** Header carrying the signature (default `X-Hub-Signature-256`). */
  header?: string;
  /** Digest encoding (default `"base64"`). */
  encoding?: EdaSignatureEncoding;
  /** Text expected before the digest, e.g. `sha256=` (default none). */
  prefix?: string;
}

/** How an event stream authenticates its POSTs. */
export type EdaStreamAuth = EdaStreamTokenAuth | EdaStreamBasicAuth | EdaStreamHmacAuth;

/** An event stream of the EDA server (AAP 2.5+), attached to the simulated activation. */
export interface EdaEventStreamDefinition {
  /** Unique name (`eda_event_stream_name` in the events). */
  name: string;
  /** Authentication of POSTs. */
  auth: EdaStreamAuth;
  /** Test mode: events are checked and recorded on the stream, never forwarded (default false). */
  testMode?: boolean;
  /**
   * The stream's UUID in its URL (default: derived from the name, so it is stable across
   * runs).
   */
  uuid?: string;
  /**
   * Which request headers the events carry in `meta.headers` (`additional_data_headers`):
   * a list of names, `"*"` for all but the auth header and proxy headers, or none (the
   * default: `{}`).
   */
  additionalDataHeaders?: string[] | "*";
}

/** How the simulated rulebook activation behaves. */
export interface EdaActivationOptions {
  /**
   * How long the activation stays `starting` after `start()` and after each
   * `restartActivation()` (default 0).
   */
  startupMs?: number;
  /** Rule-engine latency from an event's receipt to its action (default 0). */
  eventLatencyMs?: number;
  /**
   * The rulebook's `execution_strategy` (default `"sequential"`, ansible-rulebook's own
   * default: each action, a launched job included, completes before the next event's
   * action starts; rulebooks that provision usually set `parallel`).
   */
  executionStrategy?: "parallel" | "sequential";
  /**
   * How often the rulebook polls a launched job until it is terminal
   * (`EDA_JOB_TEMPLATE_REFRESH_DELAY`, default 10 000 ms); the first poll comes one period
   * after the launch.
   */
  jobPollMs?: number;
  /** Whether events queued but not yet launched survive `restartActivation()` (default false). */
  keepQueueOnRestart?: boolean;
  /** The ruleset name sent in `ansible_eda.ruleset` (default `"provisionkit"`). */
  rulesetName?: string;
}

/**
 * What the playbooks behind the rules' templates write back onto the Kubernetes resource
 * (defaults from docs/eda-protocol.md).
 */
export interface EdaPlaybookOptions {
  /**
   * Finalizer added on provision success and removed on deprovision success, and on a
   * deprovision failure whose event says `blockDeletionOnFailureAnnotation: "false"`
   * (default `provisionkit.io/aap`).
   */
  finalizer?: string;
  /** Annotation set to the event's config version on provision success (default `provisionkit.io/applied-config-version`). */
  appliedVersionAnnotation?: string;
  /** Annotation set to the event's correlation id on provision success (default `provisionkit.io/applied-correlation-id`). */
  appliedCorrelationAnnotation?: string;
  /** Annotation set on failure (default `provisionkit.io/playbook-failure`). */
  failureAnnotation?: string;
  /** Event annotation naming the operation (default `provisionkit.io/operation`). */
  operationAnnotation?: string;
  /** Event annotation carrying the correlation id (default `provisionkit.io/correlation-id`). */
  correlationAnnotation?: string;
  /** Event annotation carrying the config version (default `provisionkit.io/config-version`). */
  configVersionAnnotation?: string;
  /**
   * Deprovision event annotation carrying the provider's `blockDeletionOnFailure`
   * (default `provisionkit.io/block-deletion-on-failure`): when it is `"false"`, a failed
   * or errored deprovision job removes the finalizer in the same write as the failure
   * annotation; absent or anything else keeps it.
   */
  blockDeletionOnFailureAnnotation?: string;
  /** Plural resource names by kind (default: `kind.toLowerCase() + "s"`). */
  plurals?: Record<string, string>;
  /**
   * Whether a failed or errored job writes the failure annotation (default true). With
   * false it writes nothing at all, the finalizer included.
   */
  writeFailure?: boolean;
  /**
   * How many times a finalizer write is re-read and retried after a 409 Conflict (default 4:
   * 5 attempts in all, as the reference playbooks' `provisionkit_write_attempts`). When they
   * run out, the run fails as the reference playbook's `rescue:` does: the failure annotation
   * is written (and the finalizer released where a failed deprovision must not block deletion).
   */
  conflictRetries?: number;
  /**
   * Who writes the playbooks' effects (default `"modelled"`): the simulator, from the job's
   * outcome and event, as documented here; or, with `"external"`, the jobs' real playbooks
   * (e.g. the reference playbooks of `ansible/` run by an `AapPlaybookRunner` on the AAP
   * simulator): the simulator then writes nothing and records each ended job's effect
   * `skipped` with reason {@link EXTERNAL_EFFECTS}. `writeBack` faults do not apply then.
   */
  effects?: EdaPlaybookEffects;
  /**
   * Fault injection: how each ended job's write-back reaches the API server. Called once
   * per job of the rules' templates, when the pump first sees it ended; `undefined` (the
   * default) writes at once. See {@link EdaWriteBackFault}.
   */
  writeBack?: (job: AapLedgerJob) => EdaWriteBackFault | undefined;
}

/** Who writes the playbooks' effects; see {@link EdaPlaybookOptions.effects}. */
export type EdaPlaybookEffects = "modelled" | "external";

/**
 * The reason recorded on the effect of a job whose effects its real playbook writes
 * (`playbook.effects: "external"`).
 */
export const EXTERNAL_EFFECTS =
  "effects left to the job's real playbook (playbook.effects: external)";

/**
 * A write-back that is late or never lands. An injected fault, not something the
 * protocol defines: it models what an operator can see in production when a playbook's
 * `kubernetes.core.k8s` task lands late (an API server under load, an operator whose
 * informer cache lags it) or not at all (a task skipped, or failed with `ignore_errors`),
 * while the AAP job itself reports its real outcome on time.
 */
export interface EdaWriteBackFault {
  /** Write this many ms after the job ended (the first pump at or after then writes). */
  delayMs?: number;
  /** Never write; the effect is recorded `skipped` with reason "write-back lost (injected fault)". */
  lost?: boolean;
}

/** Where and how the playbooks reach the Kubernetes API. */
export interface KubernetesConnection {
  /** Base URL of the API server, e.g. `https://127.0.0.1:6443`. */
  server: string;
  /** Bearer token. */
  token?: string;
  /** PEM CA bundle to verify the server with. */
  ca?: string;
  /** PEM client certificate. */
  cert?: string;
  /** PEM client key. */
  key?: string;
  /** Skip TLS verification of the server (default false). */
  insecureSkipTLSVerify?: boolean;
}

/** A bearer token for the AAP API. */
export interface EdaAapTokenAuth {
  /** The token. */
  token: string;
}

/** Basic credentials for the AAP API. */
export interface EdaAapBasicAuth {
  /** User name. */
  username: string;
  /** Password. */
  password: string;
}

/** Credentials the rulebook uses towards AAP (the activation's controller credential). */
export type EdaAapAuth = EdaAapTokenAuth | EdaAapBasicAuth;

/** Options of the {@link EdaSimulator} constructor. */
export interface EdaSimulatorOptions {
  /** The clock every time is computed from (default: the AAP simulator's clock). */
  clock?: Clock;
  /** The AAP simulator jobs are launched on (over HTTP) and observed in (through its ledger). */
  aap: AapSimulator;
  /** Credentials for AAP (default bearer `sim-token`, the AAP simulator's default token). */
  aapAuth?: EdaAapAuth;
  /**
   * Where the playbooks write: a connection, or a kubeconfig as JSON text (as
   * `KubernetesApiSimulator.kubeconfig()` returns). Absent: jobs have no side effects.
   */
  kubernetes?: KubernetesConnection | string;
  /** The rulebook's rules; the first matching rule wins. */
  rules: EdaRule[];
  /** Options of the webhook source. */
  webhook?: EdaWebhookOptions;
  /** Event streams attached to the activation (default none). */
  eventStreams?: EdaEventStreamDefinition[];
  /** Activation behaviour. */
  activation?: EdaActivationOptions;
  /** Playbook side effects. */
  playbook?: EdaPlaybookOptions;
  /**
   * Real-time mode: `pump()` runs on this interval in real ms, or never with `false`
   * (default `false` for a `VirtualClock`, which only moves when the test moves it, and 25
   * for any other clock, such as the system clock).
   */
  pumpIntervalMs?: number | false;
}
