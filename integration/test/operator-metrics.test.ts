import { ConditionType, configVersion } from "@provisionkit/core";
import {
  createPrometheusMetrics,
  startOperatorServer,
  type OperatorServer,
} from "@provisionkit/core/kubernetes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLUSTERS, condition, type TestCluster } from "../support/cluster.ts";
import { World } from "../support/world.ts";

// The operator server on the simulators: a scripted lifecycle, then a scrape with a real
// HTTP client whose values are checked against the simulators' own logs; /readyz while the
// simulator's watch is broken.

const WAIT = { timeout: 15_000, interval: 20 };

/** The value of the sample `series` (name and labels exactly) in exposition text. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("operator server on the simulator API server", () => {
  let cluster: TestCluster;
  let tests = 0;
  beforeAll(async () => {
    cluster = await CLUSTERS.find((c) => c.kind === "simulator")!.start();
  });
  afterAll(async () => {
    await cluster.stop();
  });

  const start = async (watchDownBoundMs?: number) => {
    const world = await World.start(cluster, `metrics-${++tests}`);
    const prom = await createPrometheusMetrics({ controller: "computeinstance" });
    const controller = await world.controller({ metrics: prom.hooks });
    const server = await startOperatorServer({
      controller,
      metrics: prom.registry,
      host: "127.0.0.1",
      port: 0,
      ...(watchDownBoundMs === undefined ? {} : { watchDownBoundMs }),
    });
    return { world, controller, server };
  };
  const ready = async (world: World, name: string, version: string) => {
    await expect
      .poll(async () => {
        const object = await world.users.get(name);
        return (
          condition(object, ConditionType.Ready)?.status === "True" &&
          (object?.status?.provisioning as { reconciledConfigVersion?: string } | undefined)
            ?.reconciledConfigVersion === version
        );
      }, WAIT)
      .toBe(true);
  };

  it("scrapes the lifecycle's metrics: jobs, time to Ready, deletion, reconciles, queue, API requests by code", async () => {
    const { world, controller, server } = await start();
    let served: OperatorServer | undefined = server;
    try {
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      // create → Ready, spec change → Ready, a failed provision retried, delete → gone,
      // and one 409 on a status write.
      const conflict = cluster.faults!.conflicts({ times: 1, subresource: "status" });
      await world.users.create("vm-1", { cores: 2 });
      await ready(world, "vm-1", configVersion({ cores: 2 }));
      expect(conflict.fired).toBe(1);
      world.aap.scriptNext("create-compute-instance", { outcome: "failed" });
      await world.users.patch("vm-1", { spec: { cores: 4 } });
      await ready(world, "vm-1", configVersion({ cores: 4 }));
      await world.users.delete("vm-1");
      await expect.poll(async () => (await world.users.get("vm-1")) === undefined, WAIT).toBe(true);
      await controller.idle();

      const response = await fetch(`${server.url}/metrics`);
      expect(response.status).toBe(200);
      const text = await response.text();
      const c = 'controller="computeinstance"';
      const ledger = world.jobs("vm-1");
      const count = (template: string, status: string) =>
        ledger.filter((j) => j.templateName === template && j.status === status).length;
      expect(count("create-compute-instance", "successful")).toBe(2);
      expect(count("create-compute-instance", "failed")).toBe(1);
      expect(count("delete-compute-instance", "successful")).toBe(1);
      const jobs = (type: string, state?: string) =>
        `${c},type="${type}",provider="aap"${state ? `,state="${state}"` : ""}`;
      expect(sample(text, `provisionkit_jobs_launched_total{${jobs("provision")}}`)).toBe(3);
      expect(sample(text, `provisionkit_jobs_launched_total{${jobs("deprovision")}}`)).toBe(1);
      expect(
        sample(text, `provisionkit_jobs_finished_total{${jobs("provision", "Succeeded")}}`),
      ).toBe(2);
      expect(sample(text, `provisionkit_jobs_finished_total{${jobs("provision", "Failed")}}`)).toBe(
        1,
      );
      expect(
        sample(text, `provisionkit_jobs_finished_total{${jobs("deprovision", "Succeeded")}}`),
      ).toBe(1);
      expect(
        sample(text, `provisionkit_job_duration_seconds_count{${jobs("provision", "Succeeded")}}`),
      ).toBe(2);
      // The scripted jobs run 210 ms (30 + 30 + 150): each recorded duration is at least that.
      expect(
        sample(text, `provisionkit_job_duration_seconds_sum{${jobs("provision", "Succeeded")}}`),
      ).toBeGreaterThanOrEqual(0.42);
      expect(sample(text, `provisionkit_time_to_ready_seconds_count{${c},since="creation"}`)).toBe(
        1,
      );
      expect(
        sample(text, `provisionkit_time_to_ready_seconds_count{${c},since="spec-change"}`),
      ).toBe(1);
      expect(sample(text, `provisionkit_deletion_duration_seconds_count{${c}}`)).toBe(1);
      const reconciles = sample(text, `controller_runtime_reconcile_total{${c},result="success"}`)!;
      expect(reconciles).toBeGreaterThan(3);
      expect(sample(text, `controller_runtime_reconcile_time_seconds_count{${c}}`)).toBe(
        reconciles +
          sample(text, `controller_runtime_reconcile_total{${c},result="requeue"}`)! +
          sample(text, `controller_runtime_reconcile_total{${c},result="error"}`)!,
      );
      const q = `name="computeinstance",${c}`;
      // Every reconcile was a key taken from the queue, which entered it once.
      expect(sample(text, `workqueue_queue_duration_seconds_count{${q}}`)).toBe(
        sample(text, `controller_runtime_reconcile_time_seconds_count{${c}}`),
      );
      expect(sample(text, `workqueue_adds_total{${q}}`)).toBe(
        sample(text, `workqueue_queue_duration_seconds_count{${q}}`),
      );
      expect(sample(text, `workqueue_depth{${q}}`)).toBe(0);

      // API requests by method and code equal what the API server logged for this namespace.
      const host = `host="${new URL(cluster.kubeConfig().getCurrentCluster()!.server).host}"`;
      // Only the controller writes status and records events (the test's user reads, creates,
      // patches the spec and deletes).
      const logged = cluster
        .simulator!.requests()
        .filter((r) => !r.watch && r.path.includes(`/namespaces/${world.namespace}/`));
      const byCode = (method: string, code: number) =>
        logged.filter((r) => r.method === method && r.status === code).length;
      expect(byCode("PUT", 409)).toBe(1);
      expect(sample(text, `rest_client_requests_total{code="409",method="PUT",${host}}`)).toBe(1);
      expect(
        sample(
          text,
          `provisionkit_kube_requests_total{${c},verb="update",subresource="status",code="409"}`,
        ),
      ).toBe(1);
      const statusWrites = sample(
        text,
        `provisionkit_kube_requests_total{${c},verb="update",subresource="status",code="200"}`,
      );
      expect(statusWrites).toBe(
        logged.filter((r) => r.method === "PUT" && r.path.endsWith("/status") && r.status === 200)
          .length,
      );
      expect(
        sample(
          text,
          `provisionkit_kube_requests_total{${c},verb="patch",subresource="",code="200"}`,
        ),
      ).toBe(2); // the finalizer added, then released
      expect(
        sample(
          text,
          `provisionkit_kube_requests_total{${c},verb="create",subresource="events",code="201"}`,
        ),
      ).toBe(logged.filter((r) => r.method === "POST" && r.path.endsWith("/events")).length);
      expect(sample(text, `rest_client_request_duration_seconds_count{verb="PUT",${host}}`)).toBe(
        statusWrites! + 1,
      );
      expect(text).toContain("process_resident_memory_bytes");
      console.log(
        `[operator-metrics] scrape after the lifecycle (excerpt):\n${text
          .split("\n")
          .filter(
            (l) =>
              /^(provisionkit_|controller_runtime_reconcile_total|workqueue_adds|rest_client_requests)/.test(
                l,
              ) && !l.includes("_bucket"),
          )
          .join("\n")}`,
      );
      await served.stop();
      served = undefined;
    } finally {
      await served?.stop();
      await world.stop();
    }
  });

  it("/readyz is 503 while the watch is down past the bound, 200 again once it is back", async () => {
    const { world, controller, server } = await start(300);
    try {
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      // Every new watch request answers 503; the open one is ended: the informer restarts
      // with backoff (50 ms doubling to 500 ms) and keeps failing.
      const broken = cluster.faults!.status({
        code: 503,
        times: Infinity,
        pathIncludes: `namespaces/${world.namespace}/computeinstances?watch=true`,
      });
      cluster.faults!.dropWatches();
      await expect
        .poll(async () => {
          const response = await fetch(`${server.url}/readyz`);
          return [
            response.status,
            (await response.text()).includes(":watch failed: the watch has been down for"),
          ];
        }, WAIT)
        .toEqual([503, true]);
      expect(controller.health().watchDownForMs).toBeGreaterThan(300);
      broken.remove();
      await expect.poll(async () => (await fetch(`${server.url}/readyz`)).status, WAIT).toBe(200);
      expect(controller.health().watchDownForMs).toBeUndefined();
      const restarts = controller.watchRestarts;
      expect(restarts).toBeGreaterThan(0);
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(sample(text, 'provisionkit_watch_restarts_total{controller="computeinstance"}')).toBe(
        controller.watchRestarts,
      );
      // The watch works again: a new object is provisioned.
      await world.users.create("vm-after", { cores: 1 });
      await ready(world, "vm-after", configVersion({ cores: 1 }));
      await controller.stop();
      const stopped = await fetch(`${server.url}/readyz`);
      expect(stopped.status).toBe(503);
      expect(await stopped.text()).toContain(":running failed: the controller is not running");
    } finally {
      await server.stop();
      await world.stop();
    }
  });
});
