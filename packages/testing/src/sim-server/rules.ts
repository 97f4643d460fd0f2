/**
 * The schemas of control API bodies: fault rules of each simulator, job scripts, finishes
 * and purges. Each rule is the simulator's own rule type written as JSON (`"Infinity"`
 * where the type allows `Infinity`).
 *
 * @module
 */
import { JOB_SCRIPT, TEMPLATE_SCHEMA } from "./config.js";
import { s, type Schema } from "./schema.js";

const TIMES = s.number({ integer: true, min: 1, infinity: true });
const RATE = s.number({ min: 0, exclusiveMin: true, max: 1 });

const AAP_OPERATION = s.enum(
  "discovery",
  "ping",
  "template-list",
  "template-get",
  "launch-get",
  "launch",
  "job-list",
  "job-get",
  "cancel-get",
  "cancel",
  "job-delete",
  "notification-read",
  "notification-write",
);

/** An `AapFaultRule` (packages/testing/src/aap/fault-types.ts). */
export const AAP_FAULT: Schema = s.object({
  operation: s.opt(
    s.anyOf("an AAP operation or a list of them", AAP_OPERATION, s.array(AAP_OPERATION)),
  ),
  method: s.opt(s.string()),
  times: s.opt(TIMES),
  rate: s.opt(RATE),
  action: s.req(
    s.tagged("type", {
      status: {
        status: s.req(s.number({ integer: true, min: 100, max: 599 })),
        body: s.opt(s.anyOf("a string or a JSON object", s.string(true), s.jsonObject())),
        headers: s.opt(s.stringMap()),
      },
      "rate-limit": { retryAfterSeconds: s.req(s.number({ integer: true, min: 0 })) },
      reset: {},
      "drop-after-accept": {},
      delay: { ms: s.req(s.ms()) },
      hang: { release: s.opt(s.enum("process", "abandon")) },
      malformed: {
        body: s.req(s.anyOf("a string or a JSON object", s.string(true), s.jsonObject())),
      },
    }),
  ),
});

const MATCH = {
  method: s.opt(s.string()),
  pathIncludes: s.opt(s.string()),
  rate: s.opt(RATE),
};

/** A Kubernetes API simulator fault: one of `KubeFaults`' rule kinds, by `type`. */
export const KUBE_FAULT: Schema = s.tagged("type", {
  conflicts: {
    times: s.req(TIMES),
    verbs: s.opt(s.array(s.enum("update", "patch"))),
    subresource: s.opt(s.enum("status", "main")),
    name: s.opt(s.string()),
    rate: s.opt(RATE),
  },
  status: {
    code: s.req(s.number({ integer: true, min: 100, max: 599 })),
    times: s.req(TIMES),
    retryAfterSeconds: s.opt(s.number({ integer: true, min: 0 })),
    message: s.opt(s.string()),
    ...MATCH,
  },
  delay: { ms: s.req(s.ms()), times: s.req(TIMES), ...MATCH },
  watches: { action: s.req(s.enum("drop", "compact")), times: s.req(TIMES), ...MATCH },
});

/**
 * An EDA simulator fault: `webhook` (`EdaWebhookFaultRule`), `drop-after-accept`
 * (`EdaDropAfterAcceptRule`), `hold` (`EdaHoldRule`, without its in-process `label`) or
 * `queue-delay` (`EdaQueueDelayRule`).
 */
export const EDA_FAULT: Schema = s.tagged("type", {
  webhook: {
    status: s.req(s.number({ integer: true, min: 100, max: 599 })),
    headers: s.opt(s.stringMap()),
    body: s.opt(s.string(true)),
    endpoint: s.opt(s.string()),
    times: s.opt(TIMES),
    rate: s.opt(RATE),
  },
  "drop-after-accept": { endpoint: s.opt(s.string()), times: s.opt(TIMES) },
  hold: {
    endpoint: s.opt(s.string()),
    times: s.opt(TIMES),
    release: s.opt(s.enum("process", "abandon")),
  },
  "queue-delay": {
    delayMs: s.req(s.number({ min: 0 })),
    endpoint: s.opt(s.string()),
    times: s.opt(TIMES),
  },
});

/** `POST /v1/aap/scripts`. */
export const SCRIPT_NEXT: Schema = s.object({
  template: s.req(s.string()),
  organization: s.opt(s.string()),
  times: s.opt(TIMES),
  script: s.req(JOB_SCRIPT),
});

/** `POST /v1/aap/templates`. */
export const ADD_TEMPLATE: Schema = s.object({
  kind: s.opt(s.enum("job", "workflow")),
  template: s.req(TEMPLATE_SCHEMA),
});

/** `POST /v1/aap/jobs/{id}/finish`. */
export const FINISH: Schema = s.object({
  outcome: s.req(s.enum("successful", "failed", "error", "canceled")),
  jobExplanation: s.opt(s.string(true)),
  resultTraceback: s.opt(s.string(true)),
});

/** `POST /v1/aap/purge`. */
export const PURGE: Schema = s.object({
  ids: s.opt(s.array(s.number({ integer: true, min: 1 }))),
  terminal: s.opt(s.boolean()),
});

/** `POST /v1/clock/advance`. */
export const ADVANCE: Schema = s.object({ ms: s.req(s.ms()) });

/** `POST /v1/faults/seed`. */
export const SEED: Schema = s.object({
  seed: s.req(
    s.number({ integer: true, min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  ),
  simulator: s.opt(s.enum("aap", "kubernetes", "eda")),
});
