/**
 * Helpers for the EDA simulator tests: a harness with a virtual clock, an AAP simulator,
 * optionally a Kubernetes API simulator, and the EDA simulator wired to them; plus
 * payload builders and a plain fetch-based poster.
 */
import { createHmac } from "node:crypto";
import { afterEach } from "vitest";
import {
  AapSimulator,
  EdaSimulator,
  KubernetesApiSimulator,
  VirtualClock,
  type EdaSimulatorOptions,
  type KubernetesApiSimulatorOptions,
} from "@provisionkit/testing";
import { VM } from "./kube-support.js";

export const FINALIZER = "provisionkit.io/aap";
export const A_OPERATION = "provisionkit.io/operation";
export const A_CORRELATION = "provisionkit.io/correlation-id";
export const A_CONFIG_VERSION = "provisionkit.io/config-version";
export const A_APPLIED_VERSION = "provisionkit.io/applied-config-version";
export const A_APPLIED_CORRELATION = "provisionkit.io/applied-correlation-id";
export const A_FAILURE = "provisionkit.io/playbook-failure";
export const A_BLOCK_DELETION = "provisionkit.io/block-deletion-on-failure";

/** A ComputeInstance ref in the Kubernetes simulator. */
export function vmRef(name: string) {
  return { group: VM.group, plural: VM.plural, namespace: "default", name };
}

export interface EdaHarness {
  clock: VirtualClock;
  aap: AapSimulator;
  kube: KubernetesApiSimulator | undefined;
  eda: EdaSimulator;
  webhookUrl: string;
  stop(): Promise<void>;
}

export interface HarnessOptions extends Omit<EdaSimulatorOptions, "aap" | "clock"> {
  /** Start a Kubernetes API simulator with the ComputeInstance CRD and connect to it. */
  kube?: boolean | KubernetesApiSimulatorOptions;
  /** Called with the AAP simulator before EDA starts (to add templates). */
  setup?: (aap: AapSimulator) => void;
}

/** Starts AAP (and kube) simulators and the EDA simulator on one virtual clock. */
export async function startEda(options: HarnessOptions): Promise<EdaHarness> {
  const { kube: kubeOption, setup, ...edaOptions } = options;
  const clock = new VirtualClock();
  const aap = new AapSimulator({ clock });
  setup?.(aap);
  await aap.start();
  let kube: KubernetesApiSimulator | undefined;
  if (kubeOption) {
    kube = new KubernetesApiSimulator({
      clock,
      crds: [VM],
      ...(typeof kubeOption === "object" ? kubeOption : {}),
    });
    await kube.start();
  }
  const eda = new EdaSimulator({
    clock,
    aap,
    ...(kube ? { kubernetes: kube.kubeconfig() } : {}),
    ...edaOptions,
  });
  const { webhookUrl } = await eda.start();
  return {
    clock,
    aap,
    kube,
    eda,
    webhookUrl,
    async stop() {
      await eda.stop();
      await aap.stop();
      await kube?.stop();
    },
  };
}

/** A file's way to start its EDA harness; the harness is stopped after each test. */
export interface EdaFixture {
  /**
   * Starts the current test's harness with the file's defaults overridden by `options`;
   * a harness this test started before is stopped first.
   */
  readonly start: (options?: Partial<HarnessOptions>) => Promise<EdaHarness>;
  /** The current test's harness, once started. */
  readonly current: () => EdaHarness | undefined;
}

/** Registers the stop of each test's harness, and returns how to start one with `defaults`. */
export function withEda(defaults: HarnessOptions): EdaFixture {
  let harness: EdaHarness | undefined;
  const stop = async (): Promise<void> => {
    await harness?.stop();
    harness = undefined;
  };
  afterEach(stop);
  return {
    start: async (options = {}) => {
      await stop();
      harness = await startEda({ ...defaults, ...options });
      return harness;
    },
    current: () => harness,
  };
}

export interface PostReply {
  status: number;
  statusText: string;
  contentType: string | null;
  text: string;
  headers: Headers;
}

/** POSTs (or sends `method`) a body with fetch. A non-string body is JSON-encoded. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  method = "POST",
): Promise<PostReply> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const response = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json", ...headers },
    ...(method === "GET" || method === "HEAD" ? {} : { body: text }),
  });
  return {
    status: response.status,
    statusText: response.statusText,
    contentType: response.headers.get("content-type"),
    text: await response.text(),
    headers: response.headers,
  };
}

export function hmac(
  algorithm: string,
  secret: string,
  body: string,
  encoding: "hex" | "base64",
): string {
  return createHmac(algorithm, secret).update(body).digest(encoding);
}

/** The kind of the resource in a {@link payload}, and its spec. */
export interface PayloadResource {
  kind: string;
  spec: Record<string, unknown>;
}

/** A payload as the EDA provider sends it: by default a ComputeInstance. */
export function payload(
  name: string,
  operation: "provision" | "deprovision",
  correlationId: string,
  configVersion?: string,
  resource: PayloadResource = { kind: "ComputeInstance", spec: { size: "small" } },
): Record<string, unknown> {
  return {
    apiVersion: "example.com/v1",
    kind: resource.kind,
    metadata: {
      name,
      namespace: "default",
      annotations: {
        [A_OPERATION]: operation,
        [A_CORRELATION]: correlationId,
        ...(configVersion === undefined ? {} : { [A_CONFIG_VERSION]: configVersion }),
      },
    },
    spec: resource.spec,
  };
}

/** A ComputeInstance body for the Kubernetes simulator. */
export function computeInstance(name: string, finalizers: string[] = []) {
  return {
    apiVersion: "example.com/v1",
    kind: "ComputeInstance",
    metadata: { name, namespace: "default", ...(finalizers.length ? { finalizers } : {}) },
    spec: { size: "small" },
  };
}

/** The `extra_vars` a direct AAP launch sends (same shape as the rulebook's). */
export function directVars(body: Record<string, unknown>): Record<string, unknown> {
  return { ansible_eda: { event: { payload: body } } };
}
