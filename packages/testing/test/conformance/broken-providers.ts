/**
 * Deliberately broken providers, one per bug class: each is the contract-keeping
 * MemoryProvider with one rule broken, the way real providers broke them.
 */
import {
  JobNotFoundError,
  JobState,
  ProviderError,
  isProviderError,
  isTerminal,
  resourceKey,
  type DeprovisionResult,
  type JobRecord,
  type JobType,
  type ProvisionResult,
  type ProvisionStatus,
  type ResourceObject,
  type TriggerDeprovisionOptions,
  type TriggerProvisionOptions,
} from "@provisionkit/core";
import {
  MemoryProvider,
  memoryBackend,
  type ConformanceBackend,
  type MemoryBackend,
  type MemoryBackendFault,
  type MemoryJob,
  type MemoryLaunch,
  type MemoryProviderOptions,
  type RuleId,
} from "../../src/index.js";

/** P5 (and so E1): deprovisions at once, neither canceling nor waiting for the running provision job. */
export class IgnoresRunningProvision extends MemoryProvider {
  protected override deprovision(
    resource: ResourceObject,
    _provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): DeprovisionResult {
    return this.launchDeprovision(resource, options);
  }
}

/** P4: a succeeded provision reports the version of the resource's first job (a stale cache). */
export class StaleVersion extends MemoryProvider {
  protected override report(job: MemoryJob): ProvisionStatus {
    const status = super.report(job);
    if (status.state !== JobState.Succeeded || job.operation !== "provision") return status;
    const first = this.backend.jobsFor(job.resourceKey).find((j) => j.operation === "provision");
    return { ...status, reconciledVersion: first?.configVersion ?? "stale" };
  }
}

/**
 * P3: answers `Succeeded` as soon as the job runs, before the backend ends it (a state table
 * that maps "running" to success, or a success read from an older run's traces): the resource
 * is Ready, or its teardown done, before the work is.
 */
export class SucceedsWhileRunning extends MemoryProvider {
  protected override report(job: MemoryJob): ProvisionStatus {
    const status = super.report(job);
    if (status.state !== JobState.Running) return status;
    const succeeded: ProvisionStatus = { ...status, state: JobState.Succeeded };
    if (job.operation === "provision") succeeded.reconciledVersion = job.configVersion;
    return succeeded;
  }
}

/** Legal (P4 allows it): never reports the applied version; the engine uses the recorded one. */
export class OmitsVersion extends MemoryProvider {
  protected override report(job: MemoryJob): ProvisionStatus {
    const { reconciledVersion: _omitted, ...status } = super.report(job);
    return status;
  }
}

/**
 * P4 (and so E3): the backend applies another configuration than the one asked for (the
 * provider drops the version's extra vars), and the provider hides it by omitting the
 * version: only the ledger shows it.
 */
export class WrongConfigSilently extends OmitsVersion {
  override triggerProvision(
    resource: ResourceObject,
    options: TriggerProvisionOptions,
  ): Promise<ProvisionResult> {
    return super.triggerProvision(resource, {
      ...options,
      configVersion: `${options.configVersion}+defaults`,
    });
  }
}

/** P3: the deprovision status can never finish (it cannot see the resource's completion signal). */
export class NeverFinishingDeprovisionStatus extends MemoryProvider {
  protected override status(
    resource: ResourceObject,
    jobId: string,
    type: "provision" | "deprovision",
  ): ProvisionStatus {
    const status = super.status(resource, jobId, type);
    return type === "deprovision"
      ? { ...status, state: JobState.Running, message: "deprovisioning" }
      : status;
  }
}

/** P6: answers skipped once the provision job ended, although it provisioned something. */
export class SkippedWhileProvisioned extends MemoryProvider {
  protected override deprovision(
    resource: ResourceObject,
    provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): DeprovisionResult {
    const latest = this.provisionJobsOf(resource).at(-1);
    if (latest && !isTerminal(latest.state))
      return super.deprovision(resource, provisionJobs, options);
    return { action: "skipped", reason: "no instance found" };
  }
}

/** P7: `triggered` and `waiting` answers lack blockDeletionOnFailure (the old switch-on-name world). */
export class BlockFlagMissing extends MemoryProvider {
  protected override deprovision(
    resource: ResourceObject,
    provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): DeprovisionResult {
    const answer = super.deprovision(resource, provisionJobs, options);
    if (answer.action === "skipped") return answer;
    const { blockDeletionOnFailure: _missing, ...rest } = answer;
    return rest as DeprovisionResult;
  }
}

/** P2: a provision job's id is made of the resource and the config version, so a version launched again reuses it. */
export class DuplicateJobIds extends MemoryProvider {
  protected override idOf(job: MemoryJob): string {
    if (job.operation !== "provision") return job.id;
    return `${job.resourceKey}#${(job.configVersion ?? "").slice(-8)}`;
  }
  protected override backendIdOf(jobId: string): string {
    const key = jobId.split("#")[0] ?? "";
    const latest = this.backend
      .jobsFor(key)
      .filter((j) => this.idOf(j) === jobId)
      .at(-1);
    return latest?.id ?? jobId;
  }
}

/** P8: a 429 becomes a generic provider error, without its wait. */
export class RateLimitAsGenericError extends MemoryProvider {
  protected override toError(fault: MemoryBackendFault): Error {
    return fault.status === 429
      ? new ProviderError(`HTTP ${fault.status}: ${fault.message}`)
      : super.toError(fault);
  }
}

/** P1: error messages carry the credential. */
export class LeaksSecret extends MemoryProvider {
  protected override toError(fault: MemoryBackendFault): Error {
    const error = super.toError(fault);
    error.message = `${error.message} (request with token ${this.token})`;
    return error;
  }
  override triggerProvision(
    resource: ResourceObject,
    options: TriggerProvisionOptions,
  ): Promise<ProvisionResult> {
    return super
      .triggerProvision(resource, options)
      .then((r) => ({ ...r, message: `${r.message} by ${this.token}` }));
  }
}

type Broken = new (backend: MemoryBackend, options: MemoryProviderOptions) => MemoryProvider;

/** A memory backend whose provider is `make`. */
export function brokenBackend(make: Broken): () => ConformanceBackend {
  return () => memoryBackend({ provider: (backend, options) => new make(backend, options) });
}

/** Each broken provider, the rules it must fail, and why. */
/**
 * P10: reads a job by its id alone, never checking whose it is, so a job id copied into
 * another resource's status reports that resource's job as its own.
 */
export class ReadsAnyJob extends MemoryProvider {
  protected override status(
    _resource: ResourceObject,
    jobId: string,
    type: JobType,
  ): ProvisionStatus {
    this.backend.request("read");
    const job = this.backend.job(this.backendIdOf(jobId));
    if (!job || job.operation !== type) throw new JobNotFoundError(jobId);
    return this.report(job);
  }
}

/**
 * P10 (and so E3): checks whose a job is by the resource's `namespace/name` alone, so a
 * resource deleted and re-created under the same name takes its predecessor's job, restored
 * into its status, for its own provision.
 */
export class OwnsByName extends MemoryProvider {
  protected override owns(job: MemoryLaunch, resource: ResourceObject): boolean {
    return job.resourceKey === resourceKey(resource);
  }
}

/**
 * P5 (and so E1): trusts the latest provision record's state, so a job the engine's timeout
 * marked Failed while the backend still runs it (`awaitingEnd`) is neither cancelled nor
 * waited for.
 */
export class TrustsTimedOutRecord extends MemoryProvider {
  protected override deprovision(
    resource: ResourceObject,
    provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): DeprovisionResult {
    const latest = provisionJobs.filter((j) => j.type === "provision").at(-1);
    if (latest && isTerminal(latest.state)) return this.launchDeprovision(resource, options);
    return super.deprovision(resource, provisionJobs, options);
  }
}

/**
 * `delete-during-cancel-outage`: a cancel of the running provision that fails (a transient
 * error) taken for "nothing left to cancel", and the deprovision launched on top of the
 * running provision (P5, E1).
 */
export class SwallowsFailedCancel extends MemoryProvider {
  protected override deprovision(
    resource: ResourceObject,
    provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): DeprovisionResult {
    const latest = this.provisionJobsOf(resource).at(-1);
    if (latest && !isTerminal(latest.state)) {
      try {
        this.backend.request("cancel");
      } catch {
        return this.launchDeprovision(resource, options);
      }
    }
    return super.deprovision(resource, provisionJobs, options);
  }
}

/**
 * `delete-during-read-outage`: a failed P5 check (a transient error while it reads the
 * provision job) taken for "the provision job is over", and the deprovision launched on top
 * of the running provision (P5, E1).
 */
export class SwallowsFailedCheck extends MemoryProvider {
  override async triggerDeprovision(
    resource: ResourceObject,
    provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): Promise<DeprovisionResult> {
    try {
      return await super.triggerDeprovision(resource, provisionJobs, options);
    } catch (error) {
      if (!isProviderError(error) || !error.retryable) throw error;
      return this.launchDeprovision(resource, options);
    }
  }
}

/**
 * `failed-deprovision-after-lost-answer`: a `findJob` that answers a deprovision job
 * without the `blockDeletionOnFailure` its launch recorded, so the engine takes the default
 * (`true`) for a job launched with `false`: deletion blocked, deprovisioned again (E5).
 */
export class ForgetsFoundBlockFlag extends MemoryProvider {
  constructor(backend: MemoryBackend, options: MemoryProviderOptions) {
    super(backend, options);
    const find = this.findJob;
    if (!find) return;
    (this as { findJob?: MemoryProvider["findJob"] }).findJob = async (r, q, o) => {
      const found = await find(r, q, o);
      if (found) delete found.blockDeletionOnFailure;
      return found;
    };
  }
}

/**
 * `purged-provision-then-delete`: a provision job the engine still records as running but
 * the backend no longer holds (it ended and was purged before the engine read its end)
 * taken for one still running: the deprovision waits for it for ever (E4).
 */
export class WaitsForVanishedJob extends MemoryProvider {
  protected override deprovision(
    resource: ResourceObject,
    provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): DeprovisionResult {
    const record = provisionJobs.filter((j) => j.type === "provision").at(-1);
    const held = this.provisionJobsOf(resource).some((j) => j.id === record?.jobId);
    if (record && !isTerminal(record.state) && !held) {
      return { action: "waiting", blockDeletionOnFailure: this.blockDeletionOnFailure };
    }
    return super.deprovision(resource, provisionJobs, options);
  }
}

export const BROKEN: readonly { name: string; make: Broken; rules: RuleId[] }[] = [
  {
    name: "ignores a running provision job when deprovisioning",
    make: IgnoresRunningProvision,
    rules: ["P5", "E1"],
  },
  { name: "reports a stale reconciledVersion", make: StaleVersion, rules: ["P4"] },
  // Its early Ready also lets a deletion's deprovision run beside the provision job it
  // took for ended (E1), and a resource be Ready or released before its jobs end (E3, E4).
  // Before P3's early-success check, only those consequences (and two goals not reached)
  // showed it.
  {
    name: "answers Succeeded while the job still runs",
    make: SucceedsWhileRunning,
    rules: ["P3", "E1", "E3", "E4"],
  },
  {
    name: "silently applies another config (version omitted)",
    make: WrongConfigSilently,
    rules: ["P4", "E3"],
  },
  {
    name: "has a deprovision status that never finishes",
    make: NeverFinishingDeprovisionStatus,
    rules: ["P3"],
  },
  { name: "answers skipped after provisioning", make: SkippedWhileProvisioned, rules: ["P6"] },
  { name: "omits blockDeletionOnFailure", make: BlockFlagMissing, rules: ["P7"] },
  // E5 too: after A → B → C → A (hung-requests), a lookup's answer names the first A job's
  // id again, so the job the engine adopts is not the one launched under the lookup's
  // correlation id. P3 too: in crash-among-many-jobs the stray jobs of the same version
  // share the id, and a read of the running job answers for a stray that ended at once
  // (Succeeded while the job still runs).
  { name: "reuses job ids", make: DuplicateJobIds, rules: ["P2", "P3", "E5"] },
  { name: "turns rate limits into generic errors", make: RateLimitAsGenericError, rules: ["P8"] },
  { name: "leaks its credential", make: LeaksSecret, rules: ["P1"] },
  {
    name: "trusts a timed-out provision record's state",
    make: TrustsTimedOutRecord,
    rules: ["P5", "E1"],
  },
  {
    name: "takes a failed read of the provision job for its end when deprovisioning",
    make: SwallowsFailedCheck,
    // Swallowing every retryable error also hides the injected transient failures (P8) and
    // a lost deprovision answer, launched again (E5), whose deletion then waits (E4).
    rules: ["P5", "P8", "E1", "E4", "E5"],
  },
  {
    name: "takes a failed cancel of the running provision for its end when deprovisioning",
    make: SwallowsFailedCancel,
    rules: ["P5", "E1"],
  },
  // E3 too: in restored-status the re-created resource is Ready through its predecessor's job.
  {
    name: "reads any job by its id, whoever it was launched for",
    make: ReadsAnyJob,
    rules: ["P10", "E3"],
  },
  {
    name: "checks whose a job is by the resource's name alone, not its uid",
    make: OwnsByName,
    rules: ["P10", "E3"],
  },
  {
    name: "answers a found deprovision job without its blockDeletionOnFailure",
    make: ForgetsFoundBlockFlag,
    rules: ["E5"],
  },
  {
    name: "waits for a provision job the backend purged",
    make: WaitsForVanishedJob,
    rules: ["E4"],
  },
];

/** No P rule, but E5's premise: findJob never finds the job a lost launch created. */
export class BlindFindJob extends MemoryProvider {
  constructor(backend: MemoryBackend, options: MemoryProviderOptions) {
    super(backend, options);
    (this as { findJob?: MemoryProvider["findJob"] }).findJob = () => Promise.resolve(undefined);
  }
}
