/**
 * The EDA simulator's options with every default applied, validated once.
 *
 * @module
 */
import { VirtualClock, type Clock } from "../clock.js";
import {
  DEFAULT_AAP_TOKEN,
  DEFAULT_JOB_POLL_MS,
  DEFAULT_ORGANIZATION,
  DEFAULT_PUMP_INTERVAL_MS,
  DEFAULT_RULESET,
  PLAYBOOK_DEFAULTS,
  WEBHOOK_HMAC_DEFAULTS,
  WEBHOOK_SOURCE_TYPE,
} from "./constants.js";
import type { AapLedgerJob } from "../aap/records.js";
import type {
  EdaAapAuth,
  EdaHmacAlgorithm,
  EdaPlaybookEffects,
  EdaSignatureEncoding,
  EdaSimulatorOptions,
  EdaTemplateKind,
  EdaWriteBackFault,
} from "./types.js";

/** A rule with its defaults. */
export interface ResolvedRule {
  /** Webhook endpoint matched, if any. */
  readonly endpoint: string | undefined;
  /** Event stream matched, if any. */
  readonly eventStream: string | undefined;
  /** Template name. */
  readonly template: string;
  /** Template kind. */
  readonly templateKind: EdaTemplateKind;
  /** Organization. */
  readonly organization: string;
  /** Rule name. */
  readonly name: string;
}

/** Webhook HMAC settings with defaults. */
export interface ResolvedWebhookHmac {
  /** Secret. */
  readonly secret: string;
  /** Algorithm. */
  readonly algorithm: EdaHmacAlgorithm;
  /** Header name. */
  readonly header: string;
  /** Encoding. */
  readonly format: EdaSignatureEncoding;
}

/** Webhook settings with defaults. */
export interface ResolvedWebhook {
  /** Bearer token, if required. */
  readonly token: string | undefined;
  /** HMAC, if required. */
  readonly hmac: ResolvedWebhookHmac | undefined;
  /** `meta.source.name`. */
  readonly sourceName: string;
}

/** Activation settings with defaults. */
export interface ResolvedActivation {
  /** Startup time. */
  readonly startupMs: number;
  /** Rule-engine latency. */
  readonly eventLatencyMs: number;
  /** Execution strategy. */
  readonly executionStrategy: "parallel" | "sequential";
  /** Job poll period. */
  readonly jobPollMs: number;
  /** Keep queued events on restart. */
  readonly keepQueueOnRestart: boolean;
  /** Ruleset name. */
  readonly rulesetName: string;
}

/** Playbook settings with defaults. */
export interface ResolvedPlaybook {
  /** Finalizer. */
  readonly finalizer: string;
  /** Applied version annotation. */
  readonly appliedVersionAnnotation: string;
  /** Applied correlation annotation. */
  readonly appliedCorrelationAnnotation: string;
  /** Failure annotation. */
  readonly failureAnnotation: string;
  /** Operation annotation read from the payload. */
  readonly operationAnnotation: string;
  /** Correlation annotation read from the payload. */
  readonly correlationAnnotation: string;
  /** Config version annotation read from the payload. */
  readonly configVersionAnnotation: string;
  /** Block-deletion-on-failure annotation read from a deprovision payload. */
  readonly blockDeletionOnFailureAnnotation: string;
  /** Plurals by kind. */
  readonly plurals: Readonly<Record<string, string>>;
  /** Whether failures are written. */
  readonly writeFailure: boolean;
  /** Retries after 409. */
  readonly conflictRetries: number;
  /** The write-back fault of a job, if any. */
  readonly writeBack: (job: AapLedgerJob) => EdaWriteBackFault | undefined;
  /** Who writes the effects. */
  readonly effects: EdaPlaybookEffects;
}

/** Everything but the event streams and the Kubernetes connection, resolved. */
export interface ResolvedOptions {
  /** Clock. */
  readonly clock: Clock;
  /** AAP credentials. */
  readonly aapAuth: EdaAapAuth;
  /** Rules. */
  readonly rules: readonly ResolvedRule[];
  /** Webhook source. */
  readonly webhook: ResolvedWebhook;
  /** Activation. */
  readonly activation: ResolvedActivation;
  /** Playbook. */
  readonly playbook: ResolvedPlaybook;
  /** Pump interval, or false. */
  readonly pumpIntervalMs: number | false;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  const result = value ?? fallback;
  if (!Number.isFinite(result) || result < 0) {
    throw new RangeError(`${name} must be a non-negative number, got ${result}`);
  }
  return result;
}

function effectsOf(value: EdaPlaybookEffects | undefined): EdaPlaybookEffects {
  const effects = value ?? "modelled";
  if (effects !== "modelled" && effects !== "external") {
    throw new TypeError(`playbook.effects must be "modelled" or "external", got ${String(value)}`);
  }
  return effects;
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
  return value;
}

function resolveRules(options: EdaSimulatorOptions, streams: ReadonlySet<string>): ResolvedRule[] {
  return options.rules.map((rule, index) => {
    const where = `rules[${index}]`;
    if ((rule.endpoint === undefined) === (rule.eventStream === undefined)) {
      throw new TypeError(`${where}: set exactly one of endpoint and eventStream`);
    }
    if (rule.endpoint?.startsWith("/")) {
      throw new TypeError(`${where}: endpoint is a path without its leading slash`);
    }
    if (rule.eventStream !== undefined && !streams.has(rule.eventStream)) {
      throw new TypeError(`${where}: no event stream named "${rule.eventStream}"`);
    }
    if (!rule.template) throw new TypeError(`${where}: template is required`);
    return {
      endpoint: rule.endpoint,
      eventStream: rule.eventStream,
      template: rule.template,
      templateKind: rule.templateKind ?? "job_template",
      organization: rule.organization ?? DEFAULT_ORGANIZATION,
      name: rule.name ?? `${rule.endpoint ?? rule.eventStream} → ${rule.template}`,
    };
  });
}

/**
 * Applies the defaults.
 *
 * @param streams - The names of the configured event streams.
 * @throws TypeError for an inconsistent rule; RangeError for a bad duration.
 */
export function resolveOptions(
  options: EdaSimulatorOptions,
  streams: ReadonlySet<string>,
): ResolvedOptions {
  const clock = options.clock ?? options.aap.clock;
  const hmac = options.webhook?.hmac;
  const activation = options.activation ?? {};
  const playbook = options.playbook ?? {};
  // A virtual clock only moves when a test moves it, and the test pumps; any other clock
  // (the system clock, a scaled one) moves by itself, so the pump runs on a timer.
  const interval =
    options.pumpIntervalMs ?? (clock instanceof VirtualClock ? false : DEFAULT_PUMP_INTERVAL_MS);
  const retries = playbook.conflictRetries ?? PLAYBOOK_DEFAULTS.conflictRetries;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new RangeError(`conflictRetries must be a non-negative integer, got ${retries}`);
  }
  return {
    clock,
    aapAuth: options.aapAuth ?? { token: DEFAULT_AAP_TOKEN },
    rules: resolveRules(options, streams),
    webhook: {
      token: options.webhook?.token,
      hmac: hmac && {
        secret: hmac.secret,
        algorithm: hmac.algorithm ?? WEBHOOK_HMAC_DEFAULTS.algorithm,
        header: hmac.header ?? WEBHOOK_HMAC_DEFAULTS.header,
        format: hmac.format ?? WEBHOOK_HMAC_DEFAULTS.format,
      },
      sourceName: options.webhook?.sourceName ?? WEBHOOK_SOURCE_TYPE,
    },
    activation: {
      startupMs: nonNegative(activation.startupMs, 0, "startupMs"),
      eventLatencyMs: nonNegative(activation.eventLatencyMs, 0, "eventLatencyMs"),
      executionStrategy: activation.executionStrategy ?? "sequential",
      jobPollMs: positive(activation.jobPollMs ?? DEFAULT_JOB_POLL_MS, "jobPollMs"),
      keepQueueOnRestart: activation.keepQueueOnRestart ?? false,
      rulesetName: activation.rulesetName ?? DEFAULT_RULESET,
    },
    playbook: {
      finalizer: playbook.finalizer ?? PLAYBOOK_DEFAULTS.finalizer,
      appliedVersionAnnotation:
        playbook.appliedVersionAnnotation ?? PLAYBOOK_DEFAULTS.appliedVersionAnnotation,
      appliedCorrelationAnnotation:
        playbook.appliedCorrelationAnnotation ?? PLAYBOOK_DEFAULTS.appliedCorrelationAnnotation,
      failureAnnotation: playbook.failureAnnotation ?? PLAYBOOK_DEFAULTS.failureAnnotation,
      operationAnnotation: playbook.operationAnnotation ?? PLAYBOOK_DEFAULTS.operationAnnotation,
      correlationAnnotation:
        playbook.correlationAnnotation ?? PLAYBOOK_DEFAULTS.correlationAnnotation,
      configVersionAnnotation:
        playbook.configVersionAnnotation ?? PLAYBOOK_DEFAULTS.configVersionAnnotation,
      blockDeletionOnFailureAnnotation:
        playbook.blockDeletionOnFailureAnnotation ??
        PLAYBOOK_DEFAULTS.blockDeletionOnFailureAnnotation,
      plurals: { ...playbook.plurals },
      writeFailure: playbook.writeFailure ?? true,
      conflictRetries: retries,
      writeBack: playbook.writeBack ?? (() => undefined),
      effects: effectsOf(playbook.effects),
    },
    pumpIntervalMs: interval === false ? false : positive(interval, "pumpIntervalMs"),
  };
}
