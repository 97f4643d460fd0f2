/**
 * The invariants the demo states at the end, computed from out-of-band truth: the AAP
 * simulator's job ledger (what AAP actually ran, and when) and the ComputeInstances as the
 * Kubernetes API serves them. Nothing here reads the operator's memory.
 */
import { ANNOTATION_CONFIG_VERSION, ANNOTATION_OPERATION } from "@provisionkit/provider-eda";
import type { AapJobStatus } from "@provisionkit/testing";

/** The part of an `AapLedgerJob` the checks read. */
export interface LedgerJob {
  id: number;
  templateName: string;
  /** `namespace/name` of the resource the job was launched for. */
  resourceKey?: string;
  status: AapJobStatus;
  createdAt: number;
  finishedAt?: number;
  extraVars: Record<string, unknown>;
}

/** A ComputeInstance as last read from the Kubernetes API. */
export interface ObservedResource {
  /** `namespace/name`. */
  key: string;
  /** False once the API answers 404 (its finalizer was released). */
  exists: boolean;
  /** Whether a deletion was requested and is still in progress. */
  deleting?: boolean;
  /** `status.provisioning.desiredConfigVersion`. */
  desiredConfigVersion?: string;
  /** `status.provisioning.reconciledConfigVersion`. */
  reconciledConfigVersion?: string;
  /** Whether the Ready condition is True. */
  ready: boolean;
}

/** What the checks found. */
export interface InvariantReport {
  /** Empty when every invariant held; otherwise one sentence per violation. */
  problems: string[];
  /** Jobs in the ledger. */
  jobs: number;
  /** Resources that had at least one job. */
  resources: number;
  /** Live resources whose reconciled version was checked against the ledger. */
  live: number;
  /** Deleted resources whose release was checked against the ledger. */
  deleted: number;
}

type Operation = "provision" | "deprovision";

type LaunchVars = { operation?: Operation; configVersion?: string };

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

function vars(operation: unknown, version: unknown): LaunchVars {
  const found: LaunchVars = {};
  if (operation === "provision" || operation === "deprovision") found.operation = operation;
  if (typeof version === "string") found.configVersion = version;
  return found;
}

/**
 * What the launch says about the job: provider-aap records it in the extra vars under
 * `provisionkit`; a job EDA launched carries the event it was launched for, whose payload
 * holds provider-eda's annotations (`ansible_eda.event.payload.metadata.annotations`).
 */
function launchVars(job: LedgerJob): LaunchVars {
  const own = record(job.extraVars.provisionkit);
  if (own) return vars(own.operation, own.config_version);
  const payload = record(record(record(job.extraVars.ansible_eda)?.event)?.payload);
  const annotations = record(record(payload?.metadata)?.annotations);
  if (!annotations) return {};
  return vars(annotations[ANNOTATION_OPERATION], annotations[ANNOTATION_CONFIG_VERSION]);
}

/** The operation of a job, from its extra vars. */
export function operationOf(job: LedgerJob): Operation | undefined {
  return launchVars(job).operation;
}

/** The config version a provision job was launched to apply. */
export function configVersionOf(job: LedgerJob): string | undefined {
  return launchVars(job).configVersion;
}

/** The ledger's jobs per resource key, each list in creation order. */
export function jobsByResource(ledger: readonly LedgerJob[]): Map<string, LedgerJob[]> {
  const map = new Map<string, LedgerJob[]>();
  for (const job of ledger) {
    const key = job.resourceKey ?? "(no resource)";
    map.set(key, [...(map.get(key) ?? []), job]);
  }
  for (const jobs of map.values()) jobs.sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
  return map;
}

const label = (job: LedgerJob): string => `job ${job.id} (${operationOf(job) ?? job.templateName})`;

/**
 * The problems `check` finds in each observed resource that is live (`exists`) or gone,
 * given that resource's jobs in creation order.
 */
function problemsPerResource(
  ledger: readonly LedgerJob[],
  resources: readonly ObservedResource[],
  exists: boolean,
  check: (resource: ObservedResource, jobs: readonly LedgerJob[]) => string[],
): string[] {
  const byResource = jobsByResource(ledger);
  return resources
    .filter((resource) => resource.exists === exists)
    .flatMap((resource) => check(resource, byResource.get(resource.key) ?? []));
}

/**
 * E1: no resource ever had two jobs active at once in AAP. A job is active from its
 * creation to its end; one that never ended is active for ever.
 */
export function overlappingJobs(ledger: readonly LedgerJob[]): string[] {
  const problems: string[] = [];
  for (const [key, jobs] of jobsByResource(ledger)) {
    let busyUntil = -Infinity;
    let holder: LedgerJob | undefined;
    for (const job of jobs) {
      if (holder && job.createdAt < busyUntil) {
        problems.push(
          `E1: ${key}: ${label(job)} was created while ${label(holder)} was still active`,
        );
      }
      const end = job.finishedAt ?? Infinity;
      if (end >= busyUntil) {
        busyUntil = end;
        holder = job;
      }
    }
  }
  return problems;
}

/**
 * E2: a config version is not provisioned again after a provision job applied it, unless
 * another version was launched in between (a spec that goes A→B→A re-provisions A).
 */
export function duplicateProvisions(ledger: readonly LedgerJob[]): string[] {
  const problems: string[] = [];
  for (const [key, jobs] of jobsByResource(ledger)) {
    const provisions = jobs.filter((job) => operationOf(job) === "provision");
    for (let i = 1; i < provisions.length; i++) {
      const previous = provisions[i - 1]!;
      const job = provisions[i]!;
      const version = configVersionOf(job);
      if (previous.status === "successful" && version === configVersionOf(previous)) {
        problems.push(
          `E2: ${key}: ${label(job)} launched ${version ?? "no version"} again after ${label(previous)} had applied it`,
        );
      }
    }
  }
  return problems;
}

/**
 * E3: a live resource's reconciled version is the config version of its latest successful
 * provision job in the ledger, and it is Ready exactly when desired equals reconciled.
 */
export function staleVersions(
  ledger: readonly LedgerJob[],
  resources: readonly ObservedResource[],
): string[] {
  return problemsPerResource(ledger, resources, true, (resource, jobs) => {
    const problems: string[] = [];
    const succeeded = jobs
      .filter((job) => operationOf(job) === "provision" && job.status === "successful")
      .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0))
      .at(-1);
    const expected = succeeded && configVersionOf(succeeded);
    if (resource.reconciledConfigVersion !== expected) {
      problems.push(
        `E3: ${resource.key} reports reconciled ${resource.reconciledConfigVersion ?? "nothing"} but ` +
          (succeeded
            ? `its latest successful provision, ${label(succeeded)}, applied ${expected ?? "no version"}`
            : "AAP never ran a successful provision for it"),
      );
    }
    const inSync =
      resource.reconciledConfigVersion !== undefined &&
      resource.desiredConfigVersion === resource.reconciledConfigVersion;
    if (resource.ready !== (inSync && !resource.deleting)) {
      problems.push(
        `E3: ${resource.key} is ${resource.ready ? "" : "not "}Ready with desired ` +
          `${resource.desiredConfigVersion ?? "unknown"} and reconciled ${resource.reconciledConfigVersion ?? "nothing"}`,
      );
    }
    return problems;
  });
}

/**
 * E4: a resource is gone from the API only after AAP tore it down: its last job is a
 * successful deprovision (or it never had a job, so there was nothing to tear down).
 */
export function prematureReleases(
  ledger: readonly LedgerJob[],
  resources: readonly ObservedResource[],
): string[] {
  return problemsPerResource(ledger, resources, false, (resource, jobs) => {
    const last = jobs.at(-1);
    return last && !(operationOf(last) === "deprovision" && last.status === "successful")
      ? [`E4: ${resource.key} was released while its last job, ${label(last)}, is ${last.status}`]
      : [];
  });
}

/** Every check above, on one ledger and one set of observed resources. */
export function checkInvariants(
  ledger: readonly LedgerJob[],
  resources: readonly ObservedResource[],
): InvariantReport {
  const problems = [
    ...ledger
      .filter((job) => job.resourceKey === undefined || operationOf(job) === undefined)
      .map((job) => `job ${job.id} carries no resource or operation: it cannot be attributed`),
    ...overlappingJobs(ledger),
    ...duplicateProvisions(ledger),
    ...staleVersions(ledger, resources),
    ...prematureReleases(ledger, resources),
  ];
  return {
    problems,
    jobs: ledger.length,
    resources: jobsByResource(ledger).size,
    live: resources.filter((r) => r.exists).length,
    deleted: resources.filter((r) => !r.exists).length,
  };
}

const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : "s"}`;

/** The one line the demo ends with. */
export function invariantLine(report: InvariantReport): string {
  if (report.problems.length > 0) {
    return `INVARIANTS BROKEN (${report.problems.length}): ${report.problems.join("; ")}`;
  }
  return (
    `Invariants held, computed from the AAP ledger (${count(report.jobs, "job")} on ` +
    `${count(report.resources, "resource")}) and the API's objects: no resource ever had two jobs ` +
    `running at once (E1); no config version was launched again once a job had applied it (E2: a failed ` +
    `provision's retries are allowed, A→B→A applies A anew); the reconciled version ` +
    `of each of the ${count(report.live, "live resource")} matches the config version of its ` +
    `latest successful provision job (E3); ${count(report.deleted, "deleted resource")} ` +
    `released only after a successful teardown (E4).`
  );
}
