import * as prom from "prom-client";
import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../../src/errors.ts";
import { PROM_CLIENT_MISSING, createPrometheusMetrics } from "../../src/kubernetes/prometheus.ts";

/** The value of one sample line `name{labels} value` in exposition text, or undefined. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

describe("createPrometheusMetrics", () => {
  it("maps each hook to controller-runtime's and provisionkit's metric names and labels", async () => {
    const { hooks, registry } = await createPrometheusMetrics({
      controller: "computeinstance",
      defaultMetrics: false,
    });
    hooks.reconciled!({ outcome: "ok" }, 120);
    hooks.reconciled!({ outcome: "ok" }, 30);
    hooks.reconciled!({ outcome: "conflict" }, 5);
    hooks.reconciled!({ outcome: "error" }, 7);
    hooks.queueAdded!();
    hooks.queueAdded!();
    hooks.queueDepth!(3);
    hooks.queueWait!(250);
    hooks.activeWorkers!(3);
    hooks.activeWorkers!(2);
    const request = { method: "PUT", subresource: "status", host: "10.0.0.1:6443" } as const;
    hooks.apiRequest!({ ...request, verb: "update", code: "200" }, 12);
    hooks.apiRequest!({ ...request, verb: "update", code: "409" }, 8);
    hooks.apiRequest!({ ...request, verb: "update", code: "<error>" }, 3);
    hooks.jobLaunched!({ type: "provision", provider: "aap" });
    hooks.jobFinished!({ type: "provision", provider: "aap", state: "Succeeded" }, 90_000);
    hooks.timeToReady!({ since: "creation" }, 95_000);
    hooks.deletionCompleted!(4_000);
    hooks.watchRestarted!();
    const text = await registry.metrics();
    const c = 'controller="computeinstance"';
    const q = `name="computeinstance",${c}`;
    expect(sample(text, `controller_runtime_reconcile_total{${c},result="success"}`)).toBe(2);
    expect(sample(text, `controller_runtime_reconcile_total{${c},result="requeue"}`)).toBe(1);
    expect(sample(text, `controller_runtime_reconcile_total{${c},result="error"}`)).toBe(1);
    expect(sample(text, `controller_runtime_reconcile_total{${c},result="requeue_after"}`)).toBe(0);
    expect(sample(text, `controller_runtime_reconcile_errors_total{${c}}`)).toBe(1);
    expect(sample(text, `controller_runtime_reconcile_time_seconds_count{${c}}`)).toBe(4);
    expect(sample(text, `controller_runtime_reconcile_time_seconds_sum{${c}}`)).toBeCloseTo(0.162);
    expect(sample(text, `controller_runtime_reconcile_time_seconds_bucket{le="0.1",${c}}`)).toBe(3);
    expect(sample(text, `provisionkit_reconcile_total{${c},outcome="conflict"}`)).toBe(1);
    expect(sample(text, `workqueue_adds_total{${q}}`)).toBe(2);
    expect(sample(text, `controller_runtime_active_workers{${c}}`)).toBe(2);
    expect(sample(text, `workqueue_depth{${q}}`)).toBe(3);
    expect(sample(text, `workqueue_queue_duration_seconds_sum{${q}}`)).toBe(0.25);
    const host = 'host="10.0.0.1:6443"';
    expect(sample(text, `rest_client_requests_total{code="200",method="PUT",${host}}`)).toBe(1);
    expect(sample(text, `rest_client_requests_total{code="409",method="PUT",${host}}`)).toBe(1);
    expect(sample(text, `rest_client_requests_total{code="<error>",method="PUT",${host}}`)).toBe(1);
    expect(sample(text, `rest_client_request_duration_seconds_count{verb="PUT",${host}}`)).toBe(3);
    expect(
      sample(
        text,
        `provisionkit_kube_requests_total{${c},verb="update",subresource="status",code="409"}`,
      ),
    ).toBe(1);
    expect(
      sample(text, `provisionkit_jobs_launched_total{${c},type="provision",provider="aap"}`),
    ).toBe(1);
    const job = `${c},type="provision",provider="aap",state="Succeeded"`;
    expect(sample(text, `provisionkit_jobs_finished_total{${job}}`)).toBe(1);
    expect(sample(text, `provisionkit_job_duration_seconds_sum{${job}}`)).toBe(90);
    expect(sample(text, `provisionkit_job_duration_seconds_bucket{le="60",${job}}`)).toBe(0);
    expect(sample(text, `provisionkit_job_duration_seconds_bucket{le="120",${job}}`)).toBe(1);
    expect(sample(text, `provisionkit_time_to_ready_seconds_sum{${c},since="creation"}`)).toBe(95);
    expect(sample(text, `provisionkit_deletion_duration_seconds_sum{${c}}`)).toBe(4);
    expect(sample(text, `provisionkit_watch_restarts_total{${c}}`)).toBe(1);
    expect(text).not.toContain("process_cpu");
  });

  it("lets two controllers share a registry, each under its own label, with the default metrics", async () => {
    const registry = new prom.Registry();
    prom.collectDefaultMetrics({ register: registry });
    const a = await createPrometheusMetrics({ controller: "a", registry });
    const b = await createPrometheusMetrics({ controller: "b", registry });
    a.hooks.jobLaunched!({ type: "provision", provider: "p" });
    b.hooks.jobLaunched!({ type: "deprovision", provider: "p" });
    b.hooks.jobLaunched!({ type: "deprovision", provider: "p" });
    const text = await registry.metrics();
    expect(
      sample(
        text,
        'provisionkit_jobs_launched_total{controller="a",type="provision",provider="p"}',
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        'provisionkit_jobs_launched_total{controller="b",type="deprovision",provider="p"}',
      ),
    ).toBe(2);
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(a.registry).toBe(registry);
  });

  it("says which package to install when prom-client cannot be loaded (a typed error)", async () => {
    const missing = "prom-client-that-is-not-installed";
    const failure = await createPrometheusMetrics({
      controller: "x",
      load: () => import(/* @vite-ignore */ missing),
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect((failure as ConfigurationError).code).toBe(PROM_CLIENT_MISSING);
    expect((failure as Error).message).toContain("prom-client");
    // Another failure of the loader is not disguised as a missing package.
    const other = new Error("boom");
    await expect(
      createPrometheusMetrics({ controller: "x", load: () => Promise.reject(other) }),
    ).rejects.toBe(other);
  });
});
