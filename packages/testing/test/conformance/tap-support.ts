/**
 * What the tests of `tapProvider` share: resources, call options, a hand-written provider
 * whose answers each test sets, and tap options that collect declarations and skips.
 */
import {
  JobState,
  type DeprovisionResult,
  type FoundJob,
  type JobRecord,
  type Provider,
  type ProvisionResult,
  type ProvisionStatus,
  type ResourceObject,
} from "@provisionkit/core";
import { vi } from "vitest";
import type {
  DeprovisionDeclaration,
  TapOptions,
} from "../../src/conformance/operator/provider-tap.js";

export const RESOURCE: ResourceObject = {
  apiVersion: "example.com/v1",
  kind: "Widget",
  metadata: { name: "w1", namespace: "team" },
  spec: { size: 1 },
};
export const CLUSTER_RESOURCE: ResourceObject = { metadata: { name: "g1" }, spec: {} };

export const signal = new AbortController().signal;
export const call = { signal };
export const provisionCall = (correlationId: string) => ({
  signal,
  correlationId,
  configVersion: "v1",
});
export const deprovisionCall = (correlationId: string) => ({ signal, correlationId });

export function status(jobId: string): ProvisionStatus {
  return { jobId, state: JobState.Running, message: `${jobId} running` };
}

/** A hand-written provider whose answers each test sets, counting its calls. */
export function stubProvider(
  answers: {
    deprovision?: DeprovisionResult;
    found?: FoundJob | undefined;
    optional?: boolean;
  } = {},
) {
  let seq = 0;
  const provider = {
    name: "stub",
    triggerProvision: vi.fn(
      (_r: ResourceObject, _o: { correlationId: string }): Promise<ProvisionResult> =>
        Promise.resolve({
          jobId: `job-${++seq}`,
          initialState: JobState.Pending,
          message: "accepted",
        }),
    ),
    getProvisionStatus: vi.fn((_r: ResourceObject, jobId: string) =>
      Promise.resolve(status(jobId)),
    ),
    triggerDeprovision: vi.fn(
      (_r: ResourceObject, _jobs: readonly JobRecord[]): Promise<DeprovisionResult> =>
        Promise.resolve(
          answers.deprovision ?? {
            action: "triggered",
            jobId: `job-${++seq}`,
            blockDeletionOnFailure: false,
          },
        ),
    ),
    getDeprovisionStatus: vi.fn((_r: ResourceObject, jobId: string) =>
      Promise.resolve(status(jobId)),
    ),
    findJob: vi.fn(() => Promise.resolve(answers.found)),
    cancelJob: vi.fn(() => Promise.resolve()),
  };
  return provider satisfies Provider;
}

export function tapOptions(extra: Partial<TapOptions> = {}): TapOptions & {
  declarations: DeprovisionDeclaration[];
  skips: { resourceKey: string; at: number }[];
} {
  return { declarations: [], skips: [], ...extra };
}
