import { afterEach, describe, expect, it } from "vitest";
import {
  AapSimulator,
  EdaSimulator,
  KubernetesApiSimulator,
  VirtualClock,
} from "@provisionkit/testing";
import { VM } from "./kube-support.js";
import { computeInstance, FINALIZER, payload, post, vmRef } from "./eda-support.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Resolves once `condition` holds, checking on every turn of the event loop. */
async function until(condition: () => boolean, what: string, limitMs = 5_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("EDA simulator: options and life cycle", () => {
  it("defaults to the AAP simulator's clock, without a pump timer for a virtual clock", async () => {
    const clock = new VirtualClock();
    const aap = new AapSimulator({ clock });
    const eda = new EdaSimulator({ aap, rules: [] });
    expect(eda.clock).toBe(clock);
    expect(eda.activationStatus).toBe("stopped");
    expect(() => eda.webhookUrl).toThrow("not started");
    expect(() => eda.restartActivation()).toThrow("not started");
    const urls = await eda.start();
    expect(urls.webhookUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(urls.eventStreamBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(eda.webhookUrl).toBe(urls.webhookUrl);
    expect(eda.activationStatus).toBe("running");
    await eda.stop();
    await eda.stop();
    expect(eda.activationStatus).toBe("stopped");
    await expect(fetch(`${urls.webhookUrl}/x`, { method: "POST", body: "{}" })).rejects.toThrow();
  });

  it("loses the queue when stopped", async () => {
    const clock = new VirtualClock();
    const aap = new AapSimulator({ clock });
    const eda = new EdaSimulator({
      aap,
      rules: [{ endpoint: "x", template: "jt" }],
      activation: { eventLatencyMs: 1_000 },
    });
    const { webhookUrl } = await eda.start();
    await post(`${webhookUrl}/x`, {});
    await eda.stop();
    expect(eda.events()[0]).toMatchObject({ fate: "lost", reason: "activation stopped" });
  });

  it("validates rules, streams and the kubeconfig", () => {
    const aap = new AapSimulator({ clock: new VirtualClock() });
    expect(
      () => new EdaSimulator({ aap, rules: [{ endpoint: "a", eventStream: "s", template: "t" }] }),
    ).toThrow(TypeError);
    expect(() => new EdaSimulator({ aap, rules: [{ template: "t" }] })).toThrow(TypeError);
    expect(
      () => new EdaSimulator({ aap, rules: [{ eventStream: "nowhere", template: "t" }] }),
    ).toThrow('no event stream named "nowhere"');
    expect(() => new EdaSimulator({ aap, rules: [{ endpoint: "/a", template: "t" }] })).toThrow(
      "without its leading slash",
    );
    expect(
      () =>
        new EdaSimulator({
          aap,
          rules: [],
          eventStreams: [
            { name: "s", auth: { type: "token", token: "t" } },
            { name: "s", auth: { type: "token", token: "t" } },
          ],
        }),
    ).toThrow("duplicate event stream");
    expect(
      () => new EdaSimulator({ aap, rules: [], kubernetes: "apiVersion: v1\nkind: Config\n" }),
    ).toThrow("JSON");
    expect(() => new EdaSimulator({ aap, rules: [], activation: { jobPollMs: 0 } })).toThrow(
      RangeError,
    );
    const eda = new EdaSimulator({ aap, rules: [] });
    expect(() => eda.eventStream("nope")).toThrow('no event stream named "nope"');
  });

  it("runs by itself in real time with the system clock", async () => {
    const aap = new AapSimulator();
    aap.addJobTemplate({ name: "provision", script: { pendingMs: 0, waitingMs: 0, runMs: 0 } });
    await aap.start();
    cleanups.push(() => aap.stop());
    const kube = new KubernetesApiSimulator({ crds: [VM] });
    await kube.start();
    cleanups.push(() => kube.stop());
    kube.createObject(computeInstance("vm-1"));
    const eda = new EdaSimulator({
      aap,
      kubernetes: kube.kubeconfig(),
      rules: [{ endpoint: "create-compute-instance", template: "provision" }],
      pumpIntervalMs: 5,
    });
    const { webhookUrl } = await eda.start();
    cleanups.push(() => eda.stop());
    const reply = await post(
      `${webhookUrl}/create-compute-instance`,
      payload("vm-1", "provision", "c-1", "v1"),
    );
    expect(reply.status).toBe(200);
    await until(() => eda.effects().length === 1, "the playbook's effect");
    expect(eda.events()[0]?.fate).toBe("launched");
    expect(eda.effects()[0]?.outcome).toBe("applied");
    expect(kube.getObject(vmRef("vm-1"))?.metadata.finalizers).toEqual([FINALIZER]);
  });
});
