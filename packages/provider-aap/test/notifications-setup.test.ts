import { afterEach, describe, expect, it } from "vitest";
import type { JobSignal } from "@provisionkit/core";
import { AapSimulator, VirtualClock } from "@provisionkit/testing";
import {
  AapClient,
  AapNotificationReceiver,
  setUpAapNotifications,
  type AapNotificationListener,
} from "../src/index.js";

const stoppers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stoppers.splice(0).reverse()) await stop();
});

async function fixture() {
  const clock = new VirtualClock();
  const aap = new AapSimulator({
    clock,
    defaultScript: { pendingMs: 0, waitingMs: 0, runMs: 1_000 },
  });
  const create = aap.addJobTemplate({ name: "create-x", organization: "Ops" });
  aap.addWorkflowTemplate({ name: "delete-x", organization: "Ops" });
  await aap.start();
  stoppers.push(() => aap.stop());
  let password = "first-secret";
  const receiver = new AapNotificationReceiver({
    credentials: () => ({ username: "awx", password }),
  });
  const signals: JobSignal[] = [];
  receiver.subscribe((s) => signals.push(s));
  const listener: AapNotificationListener = await receiver.listen();
  stoppers.push(() => listener.close());
  const client = new AapClient({
    url: `${aap.url}/api/v2/`,
    auth: { type: "bearer", token: "sim-token" },
  });
  return {
    aap,
    clock,
    create,
    client,
    receiver,
    signals,
    url: `${listener.url}/hook`,
    rotate: (next: string) => {
      password = next;
    },
  };
}

describe("setUpAapNotifications", () => {
  it("creates the template in the templates' organization and attaches it to a job and a workflow template", async () => {
    const f = await fixture();
    const result = await setUpAapNotifications(f.client, {
      templates: [{ name: "create-x", organization: "Ops" }, { name: "delete-x" }],
      url: f.url,
      credentials: { username: "awx", password: "first-secret" },
    });
    expect(result.created).toBe(true);
    expect(result.attached.map((a) => `${a.template.kind}:${a.event}`)).toEqual([
      "job_template:success",
      "job_template:error",
      "workflow_job_template:success",
      "workflow_job_template:error",
    ]);
    const found = await f.client.findNotificationTemplate(
      "provisionkit-job-signals",
      (await f.client.findTemplate("create-x", "Ops"))!.organizationId!,
    );
    expect(found?.id).toBe(result.notificationTemplateId);
  });

  it("a rerun after a password rotation updates AAP, whose next notification is accepted", async () => {
    const f = await fixture();
    const options = {
      templates: [{ name: "create-x" }],
      url: f.url,
      credentials: { username: "awx", password: "first-secret" },
    };
    await setUpAapNotifications(f.client, options);
    f.rotate("second-secret");
    const again = await setUpAapNotifications(f.client, {
      ...options,
      credentials: { username: "awx", password: "second-secret" },
    });
    expect(again.created).toBe(false);
    expect(again.attached).toEqual([]);
    const job = (await f.client.launch({ kind: "job_template", id: f.create }, {})).job.id;
    f.clock.advance(2_000);
    await f.aap.notificationsSettled();
    expect(f.aap.notifications().map((n) => n.answers)).toEqual([[200]]);
    expect(f.signals).toEqual([{ jobId: `job:${job}`, stateHint: "Succeeded" }]);
  });

  it("refuses a template name that does not exist, and templates given by id without an organization", async () => {
    const f = await fixture();
    const credentials = { username: "awx", password: "p" };
    await expect(
      setUpAapNotifications(f.client, { templates: [{ name: "nope" }], url: f.url, credentials }),
    ).rejects.toThrow(/no job or workflow job template named "nope"/);
    await expect(
      setUpAapNotifications(f.client, {
        templates: [{ kind: "job_template", id: f.create }],
        url: f.url,
        credentials,
      }),
    ).rejects.toThrow(/organizationId/);
  });
});
