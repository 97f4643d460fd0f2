/**
 * Operator level: ProvisioningController + AapProvider (with an AapNotificationReceiver) +
 * the AAP and Kubernetes API simulators, in real time. The controller learns that a job
 * ended from AAP's webhook notification (set up through the API by setUpAapNotifications),
 * not from a poll; a lost notification only costs latency (the safety-net poll); and the
 * AAP calls per lifecycle are counted.
 */
import { KubeConfig } from "@kubernetes/client-node";
import { ConditionType, type Condition, type Logger } from "@provisionkit/core";
import { ProvisioningController } from "@provisionkit/core/kubernetes";
import {
  AapSimulator,
  KubernetesApiSimulator,
  findSecretLeaks,
  type AapLedgerJob,
} from "@provisionkit/testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  AapNotificationReceiver,
  AapProvider,
  setUpAapNotifications,
  type AapNotificationListener,
} from "@provisionkit/provider-aap";

const CRD = {
  group: "example.com",
  version: "v1",
  plural: "computeinstances",
  kind: "ComputeInstance",
  scope: "Namespaced" as const,
  statusSubresource: true,
};
const CREATE = "create-compute-instance";
const DELETE = "delete-compute-instance";
const TOKEN = "sim-token";
const NOTIFY_PASSWORD = "notify-canary-7d2c";
const RUN_MS = 1_500;

const stoppers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stoppers.splice(0).reverse()) await stop();
});

function logLines(lines: string[]): Logger {
  const log = (fields: Record<string, unknown>, message: string) =>
    lines.push(`${message} ${JSON.stringify(fields)}`);
  return { debug: log, info: log, warn: log, error: log };
}

async function world(options: { safetyNetMs: number; notifications?: boolean }) {
  const aap = new AapSimulator({
    defaultScript: { pendingMs: 30, waitingMs: 30, runMs: RUN_MS, cancelDelayMs: 100 },
  });
  aap.addJobTemplate({ name: CREATE, allowSimultaneous: true });
  aap.addJobTemplate({ name: DELETE, allowSimultaneous: true });
  await aap.start();
  stoppers.push(() => aap.stop());
  const kube = new KubernetesApiSimulator({ crds: [CRD] });
  await kube.start();
  stoppers.push(() => kube.stop());
  const lines: string[] = [];
  const logger = logLines(lines);
  const client = {
    url: `${aap.url}/api/controller/v2/`,
    auth: { type: "bearer" as const, token: TOKEN },
    retry: { retries: 2, initialDelayMs: 10 },
    logger,
  };
  let receiver: AapNotificationReceiver | undefined;
  let notifyUrl = "";
  if (options.notifications !== false) {
    receiver = new AapNotificationReceiver({
      credentials: { username: "awx", password: NOTIFY_PASSWORD },
      logger,
    });
    const listener: AapNotificationListener = await receiver.listen();
    stoppers.push(() => listener.close());
    notifyUrl = `${listener.url}/aap-notifications`;
    const provider = new AapProvider({ client, logger });
    const setup = await setUpAapNotifications(provider.client, {
      templates: [{ name: CREATE }, { name: DELETE }],
      url: `${listener.url}/aap-notifications`,
      credentials: { username: "awx", password: NOTIFY_PASSWORD },
    });
    expect(setup.created).toBe(true);
    expect(setup.attached).toHaveLength(4);
    // Idempotent: a second run reuses the template and attaches nothing.
    const again = await setUpAapNotifications(provider.client, {
      templates: [{ name: CREATE }, { name: DELETE }],
      url: `${listener.url}/aap-notifications`,
      credentials: { username: "awx", password: NOTIFY_PASSWORD },
    });
    expect(again).toEqual({ ...setup, created: false, attached: [] });
  }
  const provider = new AapProvider({
    client,
    logger,
    ...(receiver ? { notifications: receiver } : {}),
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kube.kubeconfig());
  const controller = new ProvisioningController({
    kubeConfig,
    resource: { ...CRD, namespace: "default" },
    provider,
    finalizer: "example.com/provisioning",
    logger,
    engine: { signalSafetyNetMs: options.safetyNetMs, pendingLaunchGraceMs: 300 },
    resyncIntervalMs: 0,
  });
  await controller.start();
  stoppers.push(() => controller.stop());
  const ready = (name: string) =>
    (
      kube.getObject({ ...CRD, namespace: "default", name })?.status as
        { conditions?: Condition[] } | undefined
    )?.conditions;
  return {
    aap,
    kube,
    lines,
    receiver,
    notifyUrl,
    create: (name: string) =>
      kube.createObject({
        apiVersion: `${CRD.group}/${CRD.version}`,
        kind: CRD.kind,
        metadata: { name, namespace: "default" },
        spec: { cores: 1 },
      }),
    isReady: (name: string) =>
      ready(name)?.find((c) => c.type === ConditionType.Ready)?.status === "True",
    remove: (name: string) => kube.deleteObject({ ...CRD, namespace: "default", name }),
    gone: (name: string) => kube.getObject({ ...CRD, namespace: "default", name }) === undefined,
  };
}

/** For each job: ms from its end to the first read of it that came after (its detection). */
function detection(aap: AapSimulator, jobs: AapLedgerJob[]): number[] {
  const reads = aap.requests().filter((r) => r.operation === "job-get");
  return jobs.map((job) => {
    const first = reads.find(
      (r) => r.path.endsWith(`/jobs/${job.id}/`) && r.at >= (job.finishedAt ?? Infinity),
    );
    return first ? first.at - (job.finishedAt ?? 0) : Infinity;
  });
}

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] ?? NaN;
}

const N = 8;
const WAIT = { timeout: 20_000, interval: 20 };

describe("AAP job notifications, operator level", () => {
  it("detects job ends from notifications, within 1 s, with at most 1.25x the minimal AAP calls", async () => {
    // A 60 s safety net: no poll can explain a detection within a second of a 1.5 s job's end.
    const w = await world({ safetyNetMs: 60_000 });
    const names = Array.from({ length: N }, (_, i) => `vm-${i}`);
    for (const name of names) w.create(name);
    await expect.poll(() => names.every((n) => w.isReady(n)), WAIT).toBe(true);
    for (const name of names) w.remove(name);
    await expect.poll(() => names.every((n) => w.gone(n)), WAIT).toBe(true);
    const jobs = w.aap.ledger();
    expect(jobs).toHaveLength(2 * N);
    const latencies = detection(w.aap, jobs);
    const requests = w.aap.requests().filter((r) => !r.operation?.startsWith("notification-"));
    const launches = requests.filter((r) => r.operation === "launch").length;
    const reads = requests.filter((r) => r.operation === "job-get").length;
    const ratio = (launches + reads) / (2 * jobs.length);
    console.info(
      `notifications: ${jobs.length} jobs, detection p95 ${p95(latencies)} ms (max ${Math.max(...latencies)} ms), ` +
        `${launches} launches + ${reads} job reads = ${ratio.toFixed(2)}x the minimal calls; ` +
        `other AAP requests (discovery, template lookups): ${requests.length - launches - reads}`,
    );
    expect(launches).toBe(jobs.length);
    expect(p95(latencies)).toBeLessThanOrEqual(1_000);
    expect(ratio).toBeLessThanOrEqual(1.25);
    expect(w.receiver?.counts.rejected).toBe(0);
    expect(findSecretLeaks(w.lines.join("\n"), [NOTIFY_PASSWORD, TOKEN])).toEqual([]);
    expect(findSecretLeaks(JSON.stringify(w.kube.listObjects(CRD)), [NOTIFY_PASSWORD])).toEqual([]);
    const events = JSON.stringify(w.kube.coreEvents("default"));
    expect(findSecretLeaks(events, [NOTIFY_PASSWORD, TOKEN])).toEqual([]);
  });

  it("a lost notification costs latency only: Ready through the safety-net poll", async () => {
    const w = await world({ safetyNetMs: 2_500 });
    w.aap.notificationFaults.inject({ action: { type: "drop" }, rate: 1 });
    w.create("vm-lost");
    await expect.poll(() => w.isReady("vm-lost"), WAIT).toBe(true);
    const [job] = w.aap.ledger();
    const [latency] = detection(w.aap, job ? [job] : []);
    console.info(`lost notification: detected ${latency} ms after the job's end (safety net)`);
    expect(latency).toBeGreaterThan(500);
    expect(w.aap.notifications().every((n) => n.status === "failed")).toBe(true);
  });

  it("a forged notification is refused (401) and ignored: Ready through the safety-net poll", async () => {
    const w = await world({ safetyNetMs: 2_500 });
    w.aap.notificationFaults.inject({ action: { type: "wrong-secret" }, rate: 1 });
    w.create("vm-forged");
    await expect.poll(() => w.isReady("vm-forged"), WAIT).toBe(true);
    await w.aap.notificationsSettled();
    const sent = w.aap.notifications();
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.flatMap((n) => n.answers)).toEqual(sent.map(() => 401));
    expect(w.receiver?.counts.accepted).toBe(0);
    expect(w.receiver?.counts.rejected).toBe(sent.length);
    expect(findSecretLeaks(w.lines.join("\n"), [NOTIFY_PASSWORD])).toEqual([]);
  });

  it("with notifications dropped, delayed, duplicated and reordered at random, every lifecycle still completes once", async () => {
    const w = await world({ safetyNetMs: 2_500 });
    const faults = w.aap.notificationFaults;
    faults.seed(17);
    faults.inject({ action: { type: "drop" }, rate: 0.15 });
    faults.inject({ action: { type: "duplicate", copies: 3 }, rate: 0.15 });
    faults.inject({ action: { type: "delay", ms: 1_500 }, rate: 0.15 });
    faults.inject({ action: { type: "reorder", maxHoldMs: 1_000 }, rate: 0.15 });
    const names = Array.from({ length: N }, (_, i) => `vm-f${i}`);
    for (const name of names) w.create(name);
    await expect.poll(() => names.every((n) => w.isReady(n)), WAIT).toBe(true);
    for (const name of names) w.remove(name);
    await expect.poll(() => names.every((n) => w.gone(n)), WAIT).toBe(true);
    await w.aap.notificationsSettled();
    const jobs = w.aap.ledger();
    // Correctness: one provision and one deprovision per resource, never at the same time.
    expect(jobs).toHaveLength(2 * N);
    for (const name of names) {
      const mine = jobs.filter((j) => j.resourceKey === `default/${name}`);
      expect(mine.map((j) => [j.templateName, j.status])).toEqual([
        [CREATE, "successful"],
        [DELETE, "successful"],
      ]);
      expect(mine[0]!.finishedAt!).toBeLessThanOrEqual(mine[1]!.createdAt);
    }
    const fired = w.aap.notifications();
    const byFault = (type: string) => fired.filter((n) => n.fault === type).length;
    const latencies = detection(w.aap, jobs);
    const requests = w.aap.requests();
    const launches = requests.filter((r) => r.operation === "launch").length;
    const reads = requests.filter((r) => r.operation === "job-get").length;
    console.info(
      `faulty notifications (seed 17; ${fired.length} fired: ${byFault("drop")} dropped, ${byFault("duplicate")} tripled, ` +
        `${byFault("delay")} delayed 1.5 s, ${byFault("reorder")} reordered): detection p95 ${p95(latencies)} ms, ` +
        `max ${Math.max(...latencies)} ms; ${launches} launches + ${reads} job reads = ` +
        `${((launches + reads) / (2 * jobs.length)).toFixed(2)}x the minimal calls`,
    );
    expect(launches).toBe(jobs.length);
    expect(latencies.every((l) => Number.isFinite(l))).toBe(true);
  });

  it("an authenticated notification for a job no object has in flight is ignored (no read)", async () => {
    const w = await world({ safetyNetMs: 60_000 });
    w.create("vm-known");
    await expect.poll(() => w.isReady("vm-known"), WAIT).toBe(true);
    const body = JSON.stringify({
      id: 999_999,
      status: "successful",
      url: "https://a/#/jobs/playbook/999999",
    });
    const status = await fetch(w.notifyUrl, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Authorization: `Basic ${Buffer.from(`awx:${NOTIFY_PASSWORD}`).toString("base64")}`,
      },
      body,
    }).then((r) => r.status);
    expect(status).toBe(200);
    expect(w.receiver?.counts.accepted).toBeGreaterThanOrEqual(2);
    // Accepted by the receiver, ignored by the runtime: no read of it (routing: job-signals.test.ts).
    const reads = w.aap.requests().filter((r) => r.path.includes("/999999/"));
    expect(reads).toEqual([]);
  });
});
