/**
 * The provider each controller gets, wrapped: it records what the provider declared about its
 * deprovisions (`blockDeletionOnFailure`, which E4 depends on), and it can crash the
 * controller the instant a launch returned, before the engine could record the job.
 *
 * @module
 */
import type { JobType, Provider, ResourceObject } from "@provisionkit/core";

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
    async triggerProvision(resource, call) {
      alive();
      const result = await provider.triggerProvision(resource, call);
      const { correlationId } = call;
      launched({ method: "launch", operation: "provision", correlationId, jobId: result.jobId });
      return result;
    },
    async getProvisionStatus(resource, jobId, call) {
      alive();
      asked({ method: "status", operation: "provision", jobId });
      return provider.getProvisionStatus(resource, jobId, call);
    },
    async triggerDeprovision(resource, provisionJobs, call) {
      alive();
      const result = await provider.triggerDeprovision(resource, provisionJobs, call);
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
      return provider.getDeprovisionStatus(resource, jobId, call);
    },
  };
  if (provider.findJob) {
    const findJob = provider.findJob.bind(provider);
    tapped.findJob = async (resource, query, call) => {
      alive();
      asked({ method: "findJob", operation: query.type, correlationId: query.correlationId });
      const found = await findJob(resource, query, call);
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
      await cancelJob(resource, jobId, type, call);
    };
  }
  return tapped;
}
