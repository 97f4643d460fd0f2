/**
 * The provider each controller gets, wrapped: it records what the provider declared about its
 * deprovisions (`blockDeletionOnFailure`, which E4 depends on), and it can crash the
 * controller the instant a launch returned, before the engine could record the job.
 *
 * @module
 */
import {
  isProviderError,
  providerDeclarations,
  type JobRecord,
  type JobType,
  type Provider,
  type ResourceObject,
} from "@provisionkit/core";
import { withDeadline, type AfterAbort } from "../driver/deadline.js";

/** What a provider declared about one deprovision launch (or a found deprovision job). */
export interface DeprovisionDeclaration {
  /** `namespace/name` of the resource. */
  resourceKey: string;
  /** The launch's correlation id. */
  correlationId: string;
  /** Whether a failure of it keeps the deletion blocked. */
  blockDeletionOnFailure: boolean;
  /** When it was declared (epoch ms). */
  at: number;
}

/** A launch, or a question about a job (what adoption after a crash looks like). */
export interface TapCall {
  /** The provider method. */
  method: "launch" | "findJob" | "status";
  /** The job's operation. */
  operation: JobType;
  /** The correlation id asked about or launched with. */
  correlationId?: string;
  /** The job id asked about or launched. */
  jobId?: string;
}

/** A provider call that missed its deadline (L1), as the tap saw it. */
export interface TapLate extends AfterAbort {
  /** The provider method. */
  method: string;
  /** `namespace/name` of the resource. */
  resourceKey: string;
  /** The job asked about, if any. */
  jobId?: string;
  /** The correlation id launched with or looked for, if any. */
  correlationId?: string;
  /** When the call was made (epoch ms). */
  at: number;
  /** Its deadline, real ms. */
  deadlineMs: number;
}

/**
 * A provider call that threw something other than a `ProviderError` (not counting calls
 * aborted through their signal, nor a crashed controller's): the engine cannot tell whether
 * such a failure is transient, and an untyped error is a defect of the provider.
 */
export interface UntypedCall {
  /** The provider method. */
  method: string;
  /** `namespace/name` of the resource. */
  resourceKey: string;
  /** The error's name (`TypeError`, …). */
  name: string;
  /** Its message, cut to 300 characters. */
  message: string;
  /** When the call was made (epoch ms). */
  at: number;
}

/** The provision jobs a `triggerDeprovision` was handed (E5: no job lost from the history). */
export interface DeprovisionHandover {
  /** `namespace/name` of the resource. */
  resourceKey: string;
  /** When it was asked (epoch ms). */
  at: number;
  /** The provision job records handed over: id and correlation id. */
  provisionJobs: Pick<JobRecord, "jobId" | "correlationId">[];
}

/** How one controller's provider is wrapped. */
export interface TapOptions {
  /** Where deprovision declarations go (shared by all controllers of a scenario). */
  declarations: DeprovisionDeclaration[];
  /** Where `skipped` deprovision answers go: resource key and when (epoch ms). */
  skips: { resourceKey: string; at: number }[];
  /** Crash the controller right after the first launch of this operation returned. */
  crashAfter?: JobType;
  /** Cuts the controller off, told the launch it crashed after; called at most once. */
  crash?: (launch: TapCall) => void;
  /** Told every launch and every question about a job, as it is made. */
  onCall?: (call: TapCall) => void;
  /** Each call's deadline, real ms (L1); unbounded when absent. */
  deadlineMs?: number;
  /** Told of a call that missed its deadline; its caller then gets a `CallDeadlineExceeded`. */
  late?: (late: TapLate) => void;
  /** Where each `triggerDeprovision`'s provision jobs go. */
  handovers?: DeprovisionHandover[];
  /** Where the calls that threw an untyped error go. */
  untyped?: UntypedCall[];
}

/** Thrown by every call of a crashed controller's provider: a dead process calls nothing. */
export class CrashedError extends Error {
  constructor() {
    super("the controller crashed: its process makes no more calls");
    this.name = "CrashedError";
  }
}

function keyOf(resource: ResourceObject): string {
  const { namespace, name } = resource.metadata;
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * `provider` wrapped per {@link TapOptions}. Optional methods stay optional: a provider
 * without `findJob` or `cancelJob` is wrapped without them.
 */
export function tapProvider(provider: Provider, options: TapOptions): Provider {
  let crashed = false;
  const alive = () => {
    if (crashed) throw new CrashedError();
  };
  const launched = (launch: TapCall) => {
    options.onCall?.(launch);
    if (options.crashAfter !== launch.operation || crashed) return;
    crashed = true;
    options.crash?.(launch);
  };
  const asked = (call: TapCall) => options.onCall?.(call);
  /** `invoke` with the call's signal, bounded by the deadline when there is one. */
  const bounded = <T>(
    method: string,
    resource: ResourceObject,
    about: { jobId?: string; correlationId?: string },
    signal: AbortSignal,
    invoke: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> => {
    const deadlineMs = options.deadlineMs;
    const at = Date.now();
    const resourceKey = keyOf(resource);
    const counted = (callSignal: AbortSignal): Promise<T> =>
      invoke(callSignal).catch((error: unknown) => {
        if (!isProviderError(error) && !callSignal.aborted && !(error instanceof CrashedError)) {
          const { name, message } =
            error instanceof Error ? error : { name: typeof error, message: String(error) };
          options.untyped?.push({
            method,
            resourceKey,
            name,
            message: message.slice(0, 300),
            at,
          });
        }
        throw error;
      });
    if (deadlineMs === undefined) return counted(signal);
    const onLate = (after: AfterAbort): void =>
      options.late?.({ ...after, method, resourceKey, ...about, at, deadlineMs });
    return withDeadline({ method, deadlineMs, signal, onLate }, counted);
  };
  const declare = (resource: ResourceObject, correlationId: string, block: boolean) => {
    options.declarations.push({
      resourceKey: keyOf(resource),
      correlationId,
      blockDeletionOnFailure: block,
      at: Date.now(),
    });
  };
  const tapped: Provider = {
    name: provider.name,
    // The settle bound is part of what the engine is told about the provider (E5).
    ...providerDeclarations(provider),
    async triggerProvision(resource, call) {
      alive();
      const { correlationId } = call;
      const result = await bounded(
        "triggerProvision",
        resource,
        { correlationId },
        call.signal,
        (signal) => provider.triggerProvision(resource, { ...call, signal }),
      );
      launched({ method: "launch", operation: "provision", correlationId, jobId: result.jobId });
      return result;
    },
    async getProvisionStatus(resource, jobId, call) {
      alive();
      asked({ method: "status", operation: "provision", jobId });
      return bounded("getProvisionStatus", resource, { jobId }, call.signal, (signal) =>
        provider.getProvisionStatus(resource, jobId, { ...call, signal }),
      );
    },
    async triggerDeprovision(resource, provisionJobs, call) {
      alive();
      options.handovers?.push({
        resourceKey: keyOf(resource),
        at: Date.now(),
        provisionJobs: provisionJobs.map(({ jobId, correlationId }) => ({ jobId, correlationId })),
      });
      const result = await bounded(
        "triggerDeprovision",
        resource,
        { correlationId: call.correlationId },
        call.signal,
        (signal) => provider.triggerDeprovision(resource, provisionJobs, { ...call, signal }),
      );
      if (result.action === "skipped")
        options.skips.push({ resourceKey: keyOf(resource), at: Date.now() });
      if (result.action === "triggered") {
        const { correlationId } = call;
        declare(resource, correlationId, result.blockDeletionOnFailure);
        launched({
          method: "launch",
          operation: "deprovision",
          correlationId,
          jobId: result.jobId,
        });
      }
      return result;
    },
    async getDeprovisionStatus(resource, jobId, call) {
      alive();
      asked({ method: "status", operation: "deprovision", jobId });
      return bounded("getDeprovisionStatus", resource, { jobId }, call.signal, (signal) =>
        provider.getDeprovisionStatus(resource, jobId, { ...call, signal }),
      );
    },
  };
  if (provider.findJob) {
    const findJob = provider.findJob.bind(provider);
    tapped.findJob = async (resource, query, call) => {
      alive();
      asked({ method: "findJob", operation: query.type, correlationId: query.correlationId });
      const { correlationId } = query;
      const found = await bounded("findJob", resource, { correlationId }, call.signal, (signal) =>
        findJob(resource, query, { ...call, signal }),
      );
      if (found && query.type === "deprovision") {
        declare(resource, query.correlationId, found.blockDeletionOnFailure ?? true);
      }
      return found;
    };
  }
  if (provider.cancelJob) {
    const cancelJob = provider.cancelJob.bind(provider);
    tapped.cancelJob = async (resource, jobId, type, call) => {
      alive();
      await bounded("cancelJob", resource, { jobId }, call.signal, (signal) =>
        cancelJob(resource, jobId, type, { ...call, signal }),
      );
    };
  }
  return tapped;
}
