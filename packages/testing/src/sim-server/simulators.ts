/**
 * Builds and starts the simulators a {@link SimServerConfig} asks for, with one shared
 * clock, using only their public API.
 *
 * @module
 */
import { AapSimulator } from "../aap/simulator.js";
import type { AapJobScript, AapTemplateDefinition } from "../aap/types.js";
import { systemClock, VirtualClock, type Clock } from "../clock.js";
import { EdaSimulator } from "../eda/simulator.js";
import type { EdaAapAuth } from "../eda/types.js";
import { KubernetesApiSimulator } from "../kubernetes/simulator.js";
import type { SimServerConfig, SimTemplateConfig } from "./config.js";
import { SimServerError } from "./errors.js";

/** The default bearer token of the AAP simulator (`auth.ts`). */
export const DEFAULT_AAP_TOKEN = "sim-token";

/** The running simulators of one generation (the server replaces them on reset). */
export interface SimulatorSet {
  /** The shared clock. */
  clock: Clock;
  /** The virtual clock, when the configuration asks for virtual time. */
  virtualClock: VirtualClock | undefined;
  /** The AAP simulator, if configured. */
  aap: AapSimulator | undefined;
  /** The Kubernetes API simulator, if configured. */
  kubernetes: KubernetesApiSimulator | undefined;
  /** The EDA simulator, if configured. */
  eda: EdaSimulator | undefined;
  /** Direct (not forwarded) base URLs of the started simulators. */
  urls: { aap?: string; kubernetes?: string; webhook?: string; eventStreams?: string };
}

/**
 * Copies a JSON template into the simulator's definition type (a JSON script is a
 * valid {@link AapJobScript}).
 */
function template(def: SimTemplateConfig): AapTemplateDefinition {
  return structuredClone(def);
}

function configError(field: string, error: unknown): SimServerError {
  const message = error instanceof Error ? error.message : String(error);
  return new SimServerError("invalid-config", `${field}: ${message}`, { field });
}

/**
 * Constructs and starts the simulators. The simulators' own checks (a bad script, a
 * clashing CRD) become `invalid-config` errors naming the section or entry.
 *
 * @throws SimServerError `invalid-config`.
 */
export async function startSimulators(config: SimServerConfig): Promise<SimulatorSet> {
  const virtualClock =
    config.clock === "virtual" ? new VirtualClock(config.clockStartMs) : undefined;
  const clock: Clock = virtualClock ?? systemClock;
  const set: SimulatorSet = {
    clock,
    virtualClock,
    aap: undefined,
    kubernetes: undefined,
    eda: undefined,
    urls: {},
  };
  try {
    if (config.kubernetes) {
      const k = config.kubernetes;
      let kube: KubernetesApiSimulator;
      try {
        kube = new KubernetesApiSimulator({
          clock,
          coreEvents: k.coreEvents,
          watchHistoryLimit: k.watchHistoryLimit,
          bookmarkIntervalMs: k.bookmarkIntervalMs,
          token: k.token,
        });
      } catch (error) {
        throw configError("kubernetes", error);
      }
      (k.crds ?? []).forEach((crd, i) => {
        try {
          kube.registerCrd(structuredClone(crd));
        } catch (error) {
          throw configError(`kubernetes.crds[${i}]`, error);
        }
      });
      if (config.seed !== undefined) kube.faults.seed(config.seed);
      set.kubernetes = kube;
      set.urls.kubernetes = await kube.start();
    }
    if (config.aap) {
      const a = config.aap;
      let aap: AapSimulator;
      try {
        aap = new AapSimulator({
          clock,
          discovery: a.discovery,
          pendingCancel: a.pendingCancel,
          defaultScript: a.defaultScript as AapJobScript | undefined,
          auth: { tokens: a.tokens, users: a.users, basicEnabled: a.basicEnabled },
        });
      } catch (error) {
        throw configError("aap", error);
      }
      for (const kind of ["jobTemplates", "workflowTemplates"] as const) {
        (a[kind] ?? []).forEach((def, i) => {
          try {
            if (kind === "jobTemplates") aap.addJobTemplate(template(def));
            else aap.addWorkflowTemplate(template(def));
          } catch (error) {
            throw configError(`aap.${kind}[${i}]`, error);
          }
        });
      }
      if (config.seed !== undefined) aap.faults.seed(config.seed);
      set.aap = aap;
      set.urls.aap = await aap.start();
    }
    if (config.eda && set.aap) {
      const e = config.eda;
      const writeTo = e.writeToKubernetes ?? true;
      const firstToken = config.aap?.tokens?.find((t) => t.scope === "write")?.token;
      const aapAuth: EdaAapAuth = e.aapAuth ?? { token: firstToken ?? DEFAULT_AAP_TOKEN };
      let eda: EdaSimulator;
      try {
        eda = new EdaSimulator({
          aap: set.aap,
          aapAuth,
          kubernetes: writeTo && set.kubernetes ? set.kubernetes.kubeconfig() : undefined,
          rules: structuredClone(e.rules),
          webhook: e.webhook,
          eventStreams: e.eventStreams,
          activation: e.activation,
          playbook: e.playbook,
        });
      } catch (error) {
        throw configError("eda", error);
      }
      if (config.seed !== undefined) eda.faults.seed(config.seed);
      set.eda = eda;
      const urls = await eda.start();
      set.urls.webhook = urls.webhookUrl;
      set.urls.eventStreams = urls.eventStreamBaseUrl;
    }
  } catch (error) {
    await stopSimulators(set);
    throw error;
  }
  return set;
}

/** Stops the simulators: EDA first, then AAP, then the Kubernetes API. Idempotent. */
export async function stopSimulators(set: SimulatorSet): Promise<void> {
  await set.eda?.stop();
  await set.aap?.stop();
  await set.kubernetes?.stop();
}
