/**
 * Command-line arguments of `provisionkit-sim`, merged over the configuration file.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { parseArgs as parseNodeArgs } from "node:util";
import { parseSimServerConfig, type SimServerConfig } from "./config.js";
import { SimServerError } from "./errors.js";

/** Usage text. */
export const SIM_USAGE = `Usage: provisionkit-sim [options]

Starts the provisionkit simulators on 127.0.0.1 and a control API (protocol v1, see
docs/simulator-protocol.md). When ready it prints one JSON line on stdout (URLs, tokens,
kubeconfig path, control URL and token); it stops on SIGTERM, SIGINT or POST /v1/shutdown.
Errors: one JSON line {"error":{"code","message","field"?}} on stderr; exit code 2 for a
bad command line or configuration, 1 when it cannot start (a port in use, say).

Without --aap, --kubernetes, --eda or a config file section, the AAP and Kubernetes API
simulators run. Flags are applied over the config file: ports and tokens replace, lists add.

Options (--opt VALUE or --opt=VALUE):
  --config FILE            JSON configuration (schema: docs/simulator-protocol.md)
  --aap                    run the AAP simulator
  --kubernetes             run the Kubernetes API simulator
  --eda                    run the EDA simulator (implies --aap)
  --aap-port N             AAP port (0 picks one; default 0)
  --kube-port N            Kubernetes API port
  --eda-port N             EDA webhook port
  --eda-stream-port N      EDA event stream port
  --control-port N         control API port
  --aap-token TOKEN        an accepted AAP bearer token, write scope (repeatable)
  --kube-token TOKEN       the bearer token the Kubernetes API requires
  --control-token TOKEN    the control API's bearer token (default random)
  --job-template NAME      an AAP job template (repeatable)
  --workflow-template NAME an AAP workflow job template (repeatable)
  --crd G/V/PLURAL/KIND    a namespaced CRD with a status subresource, e.g.
                           example.com/v1/computeinstances/ComputeInstance (repeatable)
  --eda-rule ENDPOINT=TEMPLATE
                           an EDA webhook rule launching a job template (repeatable)
  --clock system|virtual   real time (default), or virtual time moved by the control API
  --seed N                 seed of the simulators' fault generators
  --tls-cert FILE          serve the simulators over TLS with this certificate (PEM)
  --tls-key FILE           and this key
  --tls-ca FILE            the CA of the certificate, written into the kubeconfig
  --kubeconfig-out FILE    write the kubeconfig here (default a temporary file)
  --help                   this text`;

/** What the command line asked for. */
export interface SimCliArgs {
  /** Print the usage and exit. */
  help: boolean;
  /** The merged, validated configuration. */
  config: SimServerConfig;
}

function usage(message: string, field?: string): SimServerError {
  return new SimServerError("usage", message, field === undefined ? {} : { field });
}

function portOf(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw usage(`--${flag} must be a port number (0-65535)`, `--${flag}`);
  return port;
}

async function readConfig(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new SimServerError(
      "config-unreadable",
      `--config: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      { field: "--config" },
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SimServerError(
      "config-unreadable",
      `--config: ${path} is not JSON (${error instanceof Error ? error.message : String(error)})`,
      { field: "--config" },
    );
  }
}

/**
 * Parses the command line, reads the configuration file, applies the flags over it and
 * validates the result.
 *
 * @throws SimServerError `usage`, `config-unreadable` or `invalid-config`.
 */
export async function parseSimArgs(argv: string[]): Promise<SimCliArgs> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw usage(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  if (parsed.positionals.length > 0)
    throw usage(`unexpected argument ${parsed.positionals[0] ?? ""}`);
  if (v.help === true) return { help: true, config: {} };
  // Validate the file first, so its errors name its own fields.
  const document = v.config === undefined ? {} : await readConfig(v.config);
  const config = structuredClone(parseSimServerConfig(document)) as Record<string, unknown> &
    SimServerConfig;
  const selected = v.aap === true || v.kubernetes === true || v.eda === true;
  const fileSelected =
    config.aap !== undefined || config.kubernetes !== undefined || config.eda !== undefined;
  if (!selected && !fileSelected) {
    config.aap = {};
    config.kubernetes = {};
  }
  if (v.aap === true || v.eda === true || v["aap-port"] !== undefined) config.aap ??= {};
  if (v.kubernetes === true || v["kube-port"] !== undefined || v.crd !== undefined)
    config.kubernetes ??= {};
  if (v.eda === true || v["eda-rule"] !== undefined) config.eda ??= { rules: [] };
  const aapPort = portOf("aap-port", v["aap-port"]);
  if (aapPort !== undefined && config.aap) config.aap.port = aapPort;
  const kubePort = portOf("kube-port", v["kube-port"]);
  if (kubePort !== undefined && config.kubernetes) config.kubernetes.port = kubePort;
  const edaPort = portOf("eda-port", v["eda-port"]);
  const streamPort = portOf("eda-stream-port", v["eda-stream-port"]);
  if (config.eda) {
    if (edaPort !== undefined) config.eda.port = edaPort;
    if (streamPort !== undefined) config.eda.eventStreamPort = streamPort;
  }
  const controlPort = portOf("control-port", v["control-port"]);
  if (controlPort !== undefined || v["control-token"] !== undefined) {
    config.control = { ...config.control };
    if (controlPort !== undefined) config.control.port = controlPort;
    if (v["control-token"] !== undefined) config.control.token = v["control-token"];
  }
  if (v["aap-token"] !== undefined && config.aap) {
    config.aap.tokens = [
      ...(config.aap.tokens ?? []),
      ...v["aap-token"].map((token) => ({ token, scope: "write" as const })),
    ];
  }
  if (v["kube-token"] !== undefined && config.kubernetes) config.kubernetes.token = v["kube-token"];
  if (config.aap) {
    for (const name of v["job-template"] ?? []) {
      (config.aap.jobTemplates ??= []).push({ name });
    }
    for (const name of v["workflow-template"] ?? []) {
      (config.aap.workflowTemplates ??= []).push({ name });
    }
  }
  for (const text of v.crd ?? []) {
    const parts = text.split("/");
    if (parts.length !== 4 || parts.some((part) => part === "")) {
      throw usage(`--crd ${text}: expected GROUP/VERSION/PLURAL/KIND`, "--crd");
    }
    const [group = "", version = "", plural = "", kind = ""] = parts;
    (config.kubernetes ??= {}).crds = [
      ...(config.kubernetes.crds ?? []),
      { group, version, plural, kind, scope: "Namespaced", statusSubresource: true },
    ];
  }
  for (const text of v["eda-rule"] ?? []) {
    const match = /^([^=]+)=(.+)$/.exec(text);
    if (!match) throw usage(`--eda-rule ${text}: expected ENDPOINT=TEMPLATE`, "--eda-rule");
    config.eda?.rules.push({ endpoint: match[1] ?? "", template: match[2] ?? "" });
  }
  if (v.clock !== undefined) {
    if (v.clock !== "system" && v.clock !== "virtual")
      throw usage("--clock must be system or virtual", "--clock");
    config.clock = v.clock;
  }
  if (v.seed !== undefined) {
    if (!/^-?\d+$/.test(v.seed) || !Number.isSafeInteger(Number(v.seed))) {
      throw usage("--seed must be an integer", "--seed");
    }
    config.seed = Number(v.seed);
  }
  if (v["tls-cert"] !== undefined || v["tls-key"] !== undefined || v["tls-ca"] !== undefined) {
    const certFile = v["tls-cert"] ?? config.tls?.certFile;
    const keyFile = v["tls-key"] ?? config.tls?.keyFile;
    if (certFile === undefined || keyFile === undefined) {
      throw usage(
        "--tls-cert and --tls-key go together",
        certFile === undefined ? "--tls-cert" : "--tls-key",
      );
    }
    config.tls = { certFile, keyFile };
    const caFile = v["tls-ca"] ?? config.tls.caFile;
    if (caFile !== undefined) config.tls.caFile = caFile;
  }
  if (v["kubeconfig-out"] !== undefined) config.kubeconfigOut = v["kubeconfig-out"];
  // Validate the merged result (the flags' values and the rules across fields).
  return { help: false, config: parseSimServerConfig(config) };
}

function parse(argv: string[]) {
  return parseNodeArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: "string" },
      aap: { type: "boolean" },
      kubernetes: { type: "boolean" },
      eda: { type: "boolean" },
      "aap-port": { type: "string" },
      "kube-port": { type: "string" },
      "eda-port": { type: "string" },
      "eda-stream-port": { type: "string" },
      "control-port": { type: "string" },
      "aap-token": { type: "string", multiple: true },
      "kube-token": { type: "string" },
      "control-token": { type: "string" },
      "job-template": { type: "string", multiple: true },
      "workflow-template": { type: "string", multiple: true },
      crd: { type: "string", multiple: true },
      "eda-rule": { type: "string", multiple: true },
      clock: { type: "string" },
      seed: { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "tls-ca": { type: "string" },
      "kubeconfig-out": { type: "string" },
      help: { type: "boolean" },
    },
  });
}
