/**
 * The configuration of `provisionkit-sim` (a JSON file, `--config file.json`, merged with
 * the command-line flags): which simulators run, on which ports, with which credentials,
 * templates, CRDs and rules. Its schema is documented in docs/simulator-protocol.md;
 * {@link parseSimServerConfig} validates a parsed document and names the bad field.
 *
 * @module
 */
import type { AapAuthOptions, AapJobScript, AapTemplateDefinition } from "../aap/types.js";
import type {
  EdaAapAuth,
  EdaActivationOptions,
  EdaEventStreamDefinition,
  EdaPlaybookOptions,
  EdaRule,
  EdaWebhookOptions,
} from "../eda/types.js";
import type { CrdDefinition } from "../kubernetes/types.js";
import { SimServerError } from "./errors.js";
import { check, s, type Field, type Schema } from "./schema.js";

/** A job script as JSON can carry it: {@link AapJobScript} without functions. */
export type SimJobScript = Omit<AapJobScript, "artifacts"> & {
  /** The job's `artifacts` once terminal (jobs only). */
  artifacts?: Record<string, unknown>;
};

/** A template as JSON can carry it: {@link AapTemplateDefinition} with a JSON script. */
export type SimTemplateConfig = Omit<AapTemplateDefinition, "script"> & {
  /** How the jobs of this template play out. */
  script?: SimJobScript;
};

/** TLS of the simulators' listeners (the control API stays plain HTTP). */
export interface SimTlsConfig {
  /** PEM file of the server certificate (for 127.0.0.1). */
  certFile: string;
  /** PEM file of its private key. */
  keyFile: string;
  /** PEM file of the CA that signed it: written into the kubeconfig (else it skips verification). */
  caFile?: string;
}

/** The control API's listener. */
export interface SimControlConfig {
  /** Port on 127.0.0.1 (default 0: a free one). */
  port?: number;
  /** The bearer token every control request needs (default: a random one, printed when ready). */
  token?: string;
}

/** The AAP simulator (section `aap`). */
export interface SimAapConfig {
  /** Port on 127.0.0.1 (default 0: a free one). */
  port?: number;
  /** Accepted bearer tokens (default `sim-token`, write scope). */
  tokens?: AapAuthOptions["tokens"];
  /** Accepted Basic users (default `admin` / `password`). */
  users?: AapAuthOptions["users"];
  /** Whether Basic auth is accepted (default true). */
  basicEnabled?: boolean;
  /** What `GET /api/` answers (default `gateway`). */
  discovery?: "gateway" | "controller";
  /** When a cancel ends a pending job (default `in-request`). */
  pendingCancel?: "in-request" | "task-manager";
  /** A script under every template's script. */
  defaultScript?: SimJobScript;
  /** Job templates to register. */
  jobTemplates?: SimTemplateConfig[];
  /** Workflow job templates to register. */
  workflowTemplates?: SimTemplateConfig[];
}

/** The Kubernetes API simulator (section `kubernetes`). */
export interface SimKubernetesConfig {
  /** Port on 127.0.0.1 (default 0: a free one). */
  port?: number;
  /** The bearer token every request needs (default none: any request is accepted). */
  token?: string;
  /** The custom resources served. */
  crds?: CrdDefinition[];
  /** Serve core/v1 Events and Secrets (default true). */
  coreEvents?: boolean;
  /** The kubeconfig context's namespace (default `default`). */
  namespace?: string;
  /** How far back a watch can resume (default 1000). */
  watchHistoryLimit?: number;
  /** Bookmark interval of watches, ms (default 1000). */
  bookmarkIntervalMs?: number;
}

/** The EDA simulator (section `eda`; needs the AAP simulator, which it launches on). */
export interface SimEdaConfig {
  /** Port of the webhook source on 127.0.0.1 (default 0: a free one). */
  port?: number;
  /** Port of the event streams' server on 127.0.0.1 (default 0: a free one). */
  eventStreamPort?: number;
  /** The rulebook's rules. */
  rules: EdaRule[];
  /** The webhook source's options. */
  webhook?: EdaWebhookOptions;
  /** Event streams. */
  eventStreams?: EdaEventStreamDefinition[];
  /** Activation behaviour. */
  activation?: EdaActivationOptions;
  /** Playbook side effects (without the `writeBack` function). */
  playbook?: Omit<EdaPlaybookOptions, "writeBack">;
  /** Credentials towards AAP (default the AAP simulator's first token). */
  aapAuth?: EdaAapAuth;
  /**
   * Whether the playbooks write their effects to the Kubernetes API simulator (default
   * true when it runs).
   */
  writeToKubernetes?: boolean;
}

/** The whole configuration. A simulator runs when its section is present. */
export interface SimServerConfig {
  /** `system` (real time, the default) or `virtual` (moves only when the control API advances it). */
  clock?: "system" | "virtual";
  /** Start of the virtual clock, epoch ms (default the VirtualClock's own). */
  clockStartMs?: number;
  /** Seed of every simulator's fault generator (default 0). */
  seed?: number;
  /** TLS of the simulators' listeners. */
  tls?: SimTlsConfig;
  /** The control API. */
  control?: SimControlConfig;
  /** The AAP simulator. */
  aap?: SimAapConfig;
  /** The Kubernetes API simulator. */
  kubernetes?: SimKubernetesConfig;
  /** The EDA simulator. */
  eda?: SimEdaConfig;
  /** Write the kubeconfig here (default a file in a temporary directory). */
  kubeconfigOut?: string;
}

const outcome = s.enum("successful", "failed", "error", "canceled");

/** The schema of a JSON job script. */
export const JOB_SCRIPT: Schema = s.object({
  outcome: s.opt(outcome),
  pendingMs: s.opt(s.ms()),
  waitingMs: s.opt(s.ms()),
  runMs: s.opt(s.ms()),
  neverFinishes: s.opt(s.boolean()),
  artifacts: s.opt(s.jsonObject()),
  resultTraceback: s.opt(s.string(true)),
  jobExplanation: s.opt(s.string(true)),
  cancelDelayMs: s.opt(s.ms()),
  cancelEndsAs: s.opt(s.enum("canceled", "failed")),
});

const SURVEY_QUESTION = s.object({
  variable: s.req(s.string()),
  type: s.req(
    s.enum("text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"),
  ),
  required: s.req(s.boolean()),
  default: s.opt(s.anyOf("a string, number or boolean", s.string(true), s.number(), s.boolean())),
  min: s.opt(s.anyOf("a number or string", s.number(), s.string(true))),
  max: s.opt(s.anyOf("a number or string", s.number(), s.string(true))),
  choices: s.opt(s.anyOf("a list of strings or a string", s.array(s.string(true)), s.string(true))),
  question_name: s.opt(s.string(true)),
});

const TEMPLATE: Schema = s.object({
  name: s.req(s.string()),
  organization: s.opt(s.string()),
  description: s.opt(s.string(true)),
  askVariablesOnLaunch: s.opt(s.boolean()),
  askLimitOnLaunch: s.opt(s.boolean()),
  askInventoryOnLaunch: s.opt(s.boolean()),
  allowSimultaneous: s.opt(s.boolean()),
  extraVars: s.opt(s.jsonObject()),
  surveyEnabled: s.opt(s.boolean()),
  surveySpec: s.opt(
    s.object({
      name: s.req(s.string(true)),
      description: s.req(s.string(true)),
      spec: s.req(s.array(SURVEY_QUESTION)),
    }),
  ),
  script: s.opt(JOB_SCRIPT),
});

/** The schema of one template (job or workflow), as the config and the control API take it. */
export const TEMPLATE_SCHEMA = TEMPLATE;

const AAP: Schema = s.object({
  port: s.opt(s.port()),
  tokens: s.opt(
    s.array(s.object({ token: s.req(s.string()), scope: s.req(s.enum("read", "write")) })),
  ),
  users: s.opt(s.array(s.object({ username: s.req(s.string()), password: s.req(s.string()) }))),
  basicEnabled: s.opt(s.boolean()),
  discovery: s.opt(s.enum("gateway", "controller")),
  pendingCancel: s.opt(s.enum("in-request", "task-manager")),
  defaultScript: s.opt(JOB_SCRIPT),
  jobTemplates: s.opt(s.array(TEMPLATE)),
  workflowTemplates: s.opt(s.array(TEMPLATE)),
});

const CRD: Schema = s.object({
  group: s.req(s.string()),
  version: s.req(s.string()),
  plural: s.req(s.string()),
  kind: s.req(s.string()),
  singular: s.opt(s.string()),
  listKind: s.opt(s.string()),
  scope: s.opt(s.enum("Namespaced", "Cluster")),
  statusSubresource: s.opt(s.boolean()),
});

const KUBERNETES: Schema = s.object({
  port: s.opt(s.port()),
  token: s.opt(s.string()),
  crds: s.opt(s.array(CRD)),
  coreEvents: s.opt(s.boolean()),
  namespace: s.opt(s.string()),
  watchHistoryLimit: s.opt(s.number({ integer: true, min: 0 })),
  bookmarkIntervalMs: s.opt(s.number({ integer: true, min: 1 })),
});

const HMAC_ALGO = s.enum("sha256", "sha1", "sha512");
const ENCODING = s.enum("hex", "base64");

const STREAM_AUTH: Schema = s.tagged("type", {
  token: { token: s.req(s.string()), header: s.opt(s.string()) },
  basic: {
    username: s.req(s.string()),
    password: s.req(s.string()),
    header: s.opt(s.string()),
  },
  hmac: {
    secret: s.req(s.string()),
    algorithm: s.opt(HMAC_ALGO),
    header: s.opt(s.string()),
    encoding: s.opt(ENCODING),
    prefix: s.opt(s.string(true)),
  },
});

const PLAYBOOK_FIELDS: Record<string, Field> = {
  finalizer: s.opt(s.string()),
  appliedVersionAnnotation: s.opt(s.string()),
  appliedCorrelationAnnotation: s.opt(s.string()),
  failureAnnotation: s.opt(s.string()),
  operationAnnotation: s.opt(s.string()),
  correlationAnnotation: s.opt(s.string()),
  configVersionAnnotation: s.opt(s.string()),
  blockDeletionOnFailureAnnotation: s.opt(s.string()),
  plurals: s.opt(s.stringMap()),
  writeFailure: s.opt(s.boolean()),
  conflictRetries: s.opt(s.number({ integer: true, min: 0 })),
  effects: s.opt(s.enum("modelled", "external")),
};

const EDA: Schema = s.object({
  port: s.opt(s.port()),
  eventStreamPort: s.opt(s.port()),
  rules: s.req(
    s.array(
      s.object({
        endpoint: s.opt(s.string()),
        eventStream: s.opt(s.string()),
        template: s.req(s.string()),
        templateKind: s.opt(s.enum("job_template", "workflow_job_template")),
        organization: s.opt(s.string()),
        name: s.opt(s.string()),
      }),
    ),
  ),
  webhook: s.opt(
    s.object({
      token: s.opt(s.string()),
      hmac: s.opt(
        s.object({
          secret: s.req(s.string()),
          algorithm: s.opt(HMAC_ALGO),
          header: s.opt(s.string()),
          format: s.opt(ENCODING),
        }),
      ),
      sourceName: s.opt(s.string()),
    }),
  ),
  eventStreams: s.opt(
    s.array(
      s.object({
        name: s.req(s.string()),
        auth: s.req(STREAM_AUTH),
        testMode: s.opt(s.boolean()),
        uuid: s.opt(s.string()),
        additionalDataHeaders: s.opt(
          s.anyOf('a list of header names or "*"', s.array(s.string()), s.enum("*")),
        ),
      }),
    ),
  ),
  activation: s.opt(
    s.object({
      startupMs: s.opt(s.ms()),
      eventLatencyMs: s.opt(s.ms()),
      executionStrategy: s.opt(s.enum("parallel", "sequential")),
      jobPollMs: s.opt(s.number({ min: 0, exclusiveMin: true })),
      keepQueueOnRestart: s.opt(s.boolean()),
      rulesetName: s.opt(s.string()),
    }),
  ),
  playbook: s.opt(s.object(PLAYBOOK_FIELDS)),
  aapAuth: s.opt(
    s.anyOf(
      "{ token } or { username, password }",
      s.object({ token: s.req(s.string()) }),
      s.object({ username: s.req(s.string()), password: s.req(s.string()) }),
    ),
  ),
  writeToKubernetes: s.opt(s.boolean()),
});

const CONFIG: Schema = s.object({
  $schema: s.opt(s.string()),
  clock: s.opt(s.enum("system", "virtual")),
  clockStartMs: s.opt(s.number({ integer: true, min: 0 })),
  seed: s.opt(
    s.number({ integer: true, min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  ),
  tls: s.opt(
    s.object({
      certFile: s.req(s.string()),
      keyFile: s.req(s.string()),
      caFile: s.opt(s.string()),
    }),
  ),
  control: s.opt(s.object({ port: s.opt(s.port()), token: s.opt(s.string()) })),
  aap: s.opt(AAP),
  kubernetes: s.opt(KUBERNETES),
  eda: s.opt(EDA),
  kubeconfigOut: s.opt(s.string()),
});

function duplicates(names: string[]): string | undefined {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

/**
 * Validates a parsed configuration document: its shape (unknown fields refused), then the
 * rules across fields (an `eda` section needs an `aap` one; each rule has exactly one of
 * `endpoint` and `eventStream`; no two listeners share a fixed port; no duplicate template
 * names within an organization).
 *
 * @param document - The parsed JSON.
 * @returns The configuration.
 * @throws SimServerError `invalid-config` naming the bad field.
 */
export function parseSimServerConfig(document: unknown): SimServerConfig {
  const config = check(document, CONFIG, "", "invalid-config") as SimServerConfig & {
    $schema?: string;
  };
  delete config.$schema;
  const fail = (field: string, message: string): never => {
    throw new SimServerError("invalid-config", `${field}: ${message}`, { field });
  };
  if (config.eda && !config.aap)
    fail("eda", "the EDA simulator needs the AAP simulator (an aap section)");
  config.eda?.rules.forEach((rule, i) => {
    if ((rule.endpoint === undefined) === (rule.eventStream === undefined)) {
      fail(`eda.rules[${i}]`, "needs exactly one of endpoint and eventStream");
    }
    const streams = config.eda?.eventStreams ?? [];
    if (rule.eventStream !== undefined && !streams.some((st) => st.name === rule.eventStream)) {
      fail(`eda.rules[${i}].eventStream`, "no event stream of that name in eda.eventStreams");
    }
  });
  for (const kind of ["jobTemplates", "workflowTemplates"] as const) {
    const list = config.aap?.[kind] ?? [];
    const dup = duplicates(list.map((t) => `${t.organization ?? "Default"}/${t.name}`));
    if (dup !== undefined) {
      const index = list.findIndex((t) => `${t.organization ?? "Default"}/${t.name}` === dup);
      const again = list.findIndex(
        (t, i) => i > index && `${t.organization ?? "Default"}/${t.name}` === dup,
      );
      fail(`aap.${kind}[${again}].name`, "a template of this name is already in this organization");
    }
  }
  const ports: [string, number | undefined][] = [
    ["control.port", config.control?.port],
    ["aap.port", config.aap?.port],
    ["kubernetes.port", config.kubernetes?.port],
    ["eda.port", config.eda?.port],
    ["eda.eventStreamPort", config.eda?.eventStreamPort],
  ];
  const used = new Map<number, string>();
  for (const [field, port] of ports) {
    if (port === undefined || port === 0) continue;
    const other = used.get(port);
    if (other !== undefined) fail(field, `port ${port} is also ${other}`);
    used.set(port, field);
  }
  return config;
}
