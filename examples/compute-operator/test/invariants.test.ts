import { describe, expect, it } from "vitest";
import {
  checkInvariants,
  invariantLine,
  type LedgerJob,
  type ObservedResource,
} from "../src/invariants.ts";

// The demo's closing line must be earned: these ledgers break one invariant each, and the
// check must say which.

const V1 = "sha256:1111";
const V2 = "sha256:2222";
let nextId = 1;

function job(
  resource: string,
  operation: "provision" | "deprovision",
  status: LedgerJob["status"],
  createdAt: number,
  finishedAt: number | undefined,
  configVersion?: string,
): LedgerJob {
  const provisionkit: Record<string, unknown> = { operation, correlation_id: `c-${nextId}` };
  if (configVersion) provisionkit.config_version = configVersion;
  const entry: LedgerJob = {
    id: nextId++,
    templateName: `${operation === "provision" ? "create" : "delete"}-compute-instance`,
    resourceKey: `default/${resource}`,
    status,
    createdAt,
    extraVars: { provisionkit },
  };
  if (finishedAt !== undefined) entry.finishedAt = finishedAt;
  return entry;
}

function live(
  name: string,
  reconciled: string | undefined,
  desired = reconciled,
): ObservedResource {
  const resource: ObservedResource = {
    key: `default/${name}`,
    exists: true,
    ready: reconciled !== undefined && reconciled === desired,
  };
  if (reconciled !== undefined) resource.reconciledConfigVersion = reconciled;
  if (desired !== undefined) resource.desiredConfigVersion = desired;
  return resource;
}

const gone = (name: string): ObservedResource => ({
  key: `default/${name}`,
  exists: false,
  ready: false,
});

/** The story the demo tells, as it should look. */
function healthyLedger(): LedgerJob[] {
  return [
    job("web-1", "provision", "successful", 0, 3000, V1),
    job("web-1", "provision", "successful", 4000, 8000, V2),
    job("batch-1", "provision", "canceled", 100, 2500, V1),
    job("batch-1", "deprovision", "successful", 2600, 5000),
    job("cache-1", "provision", "successful", 200, 2500, V1),
    job("cache-1", "deprovision", "failed", 6000, 8000),
    job("cache-1", "deprovision", "successful", 9500, 12000),
  ];
}
const healthyResources = (): ObservedResource[] => [
  live("web-1", V2),
  gone("batch-1"),
  gone("cache-1"),
];

describe("the demo's invariant check", () => {
  it("passes the story as it should happen, and says what it checked", () => {
    const report = checkInvariants(healthyLedger(), healthyResources());
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ jobs: 7, resources: 3, live: 1, deleted: 2 });
    expect(invariantLine(report)).toMatch(/^Invariants held/);
    // E2 as the demo checks it: a failure's retry launches the version again, and is allowed.
    expect(invariantLine(report)).toContain(
      "no config version was launched again once a job had applied it (E2: a failed provision's retries are allowed",
    );
    expect(invariantLine(report)).not.toContain("provisioned twice");
  });

  it("fails when a deprovision starts while the provision job still runs (E1)", () => {
    const ledger = [
      job("batch-1", "provision", "canceled", 100, 2500, V1),
      job("batch-1", "deprovision", "successful", 2000, 5000),
    ];
    const report = checkInvariants(ledger, [gone("batch-1")]);
    expect(report.problems).toEqual([
      expect.stringMatching(
        /^E1: default\/batch-1: job \d+ \(deprovision\) was created while job \d+ \(provision\) was still active/,
      ),
    ]);
    expect(invariantLine(report)).toMatch(/^INVARIANTS BROKEN \(1\): E1/);
  });

  it("fails when a job never ended and another one started (E1)", () => {
    const ledger = [
      job("web-1", "provision", "running", 0, undefined, V1),
      job("web-1", "provision", "successful", 9000, 12000, V2),
    ];
    const problems = checkInvariants(ledger, [live("web-1", V2)]).problems;
    expect(problems.some((p) => p.startsWith("E1: default/web-1"))).toBe(true);
  });

  it("fails when a short job ends inside a long one that was still running (E1)", () => {
    const ledger = [
      job("db-1", "provision", "successful", 0, 10_000, V1),
      job("db-1", "provision", "failed", 1000, 2000, V2),
      job("db-1", "provision", "successful", 3000, 4000, V2),
    ];
    const problems = checkInvariants(ledger, [live("db-1", V2)]).problems;
    expect(problems.filter((p) => p.startsWith("E1"))).toHaveLength(2);
  });

  it("fails when a resource reports a version other than its latest successful job's (E3)", () => {
    const problems = checkInvariants(healthyLedger(), [
      live("web-1", V1),
      gone("batch-1"),
      gone("cache-1"),
    ]).problems;
    expect(problems).toEqual([
      expect.stringMatching(
        /^E3: default\/web-1 reports reconciled sha256:1111 but .* applied sha256:2222/,
      ),
    ]);
  });

  it("fails when a resource claims a version AAP never applied (E3)", () => {
    const ledger = [job("web-1", "provision", "failed", 0, 3000, V1)];
    const problems = checkInvariants(ledger, [live("web-1", V1)]).problems;
    expect(problems).toEqual([
      expect.stringMatching(/^E3: default\/web-1 .* AAP never ran a successful provision/),
    ]);
  });

  it("fails when Ready disagrees with desired vs reconciled (E3)", () => {
    const stale = { ...live("web-1", V2), desiredConfigVersion: "sha256:3333" };
    const problems = checkInvariants(healthyLedger(), [
      stale,
      gone("batch-1"),
      gone("cache-1"),
    ]).problems;
    expect(problems).toEqual([expect.stringMatching(/^E3: default\/web-1 is Ready with desired/)]);
  });

  it("fails when a version is provisioned again after it was applied (E2), but not for A→B→A", () => {
    const duplicate = [
      job("queue-1", "provision", "successful", 0, 3000, V1),
      job("queue-1", "provision", "successful", 4000, 7000, V1),
    ];
    expect(checkInvariants(duplicate, [live("queue-1", V1)]).problems).toEqual([
      expect.stringMatching(
        /^E2: default\/queue-1: job \d+ \(provision\) launched sha256:1111 again/,
      ),
    ]);
    const back = [
      job("queue-1", "provision", "successful", 0, 3000, V1),
      job("queue-1", "provision", "successful", 4000, 7000, V2),
      job("queue-1", "provision", "successful", 8000, 9000, V1),
    ];
    expect(checkInvariants(back, [live("queue-1", V1)]).problems).toEqual([]);
  });

  it("fails when a resource was released after a failed teardown (E4)", () => {
    const ledger = [
      job("cache-1", "provision", "successful", 0, 3000, V1),
      job("cache-1", "deprovision", "failed", 4000, 6000),
    ];
    expect(checkInvariants(ledger, [gone("cache-1")]).problems).toEqual([
      expect.stringMatching(/^E4: default\/cache-1 was released while its last job, .* is failed/),
    ]);
  });

  it("refuses jobs it cannot attribute", () => {
    const stray: LedgerJob = { ...job("x", "provision", "successful", 0, 1, V1), extraVars: {} };
    expect(checkInvariants([stray], []).problems).toEqual([
      expect.stringMatching(/cannot be attributed/),
    ]);
  });

  it("reads EDA-launched jobs from the event in their extra vars", () => {
    const eda = (
      resource: string,
      operation: "provision" | "deprovision",
      status: LedgerJob["status"],
      createdAt: number,
      finishedAt: number,
      configVersion?: string,
    ): LedgerJob => {
      const annotations: Record<string, string> = {
        "provisionkit.io/operation": operation,
        "provisionkit.io/correlation-id": `c-${nextId}`,
      };
      if (configVersion) annotations["provisionkit.io/config-version"] = configVersion;
      return {
        ...job(resource, operation, status, createdAt, finishedAt),
        extraVars: {
          ansible_eda: {
            ruleset: "provisionkit",
            event: { payload: { metadata: { name: resource, annotations } }, meta: {} },
          },
        },
      };
    };
    const healthy = [
      eda("batch-1", "provision", "successful", 0, 4000, V1),
      eda("batch-1", "deprovision", "successful", 5000, 7000),
      eda("web-1", "provision", "successful", 0, 3000, V1),
    ];
    expect(checkInvariants(healthy, [gone("batch-1"), live("web-1", V1)]).problems).toEqual([]);
    const overlap = [
      eda("batch-1", "provision", "successful", 0, 4000, V1),
      eda("batch-1", "deprovision", "successful", 3000, 7000),
    ];
    expect(checkInvariants(overlap, [gone("batch-1")]).problems).toEqual([
      expect.stringMatching(/^E1: default\/batch-1: job \d+ \(deprovision\) was created while/),
    ]);
    const twice = [
      eda("web-1", "provision", "successful", 0, 3000, V1),
      eda("web-1", "provision", "successful", 4000, 7000, V1),
    ];
    expect(checkInvariants(twice, [live("web-1", V1)]).problems).toEqual([
      expect.stringMatching(/^E2: default\/web-1: .* launched sha256:1111 again/),
    ]);
  });
});
