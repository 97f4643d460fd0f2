import { describe, expect, it } from "vitest";
import { FaultRandom, FaultRules } from "../src/fault-rules.js";
import { call, V2, withAap } from "./aap-support.js";
import { payload, post, withEda } from "./eda-support.js";
import { raw, startHarness, VM_PATH, vm } from "./kube-support.js";

/** Which of `n` requests a rule of `rate` fires on, given `seed`. */
function pattern(seed: number, rate: number, n: number): number[] {
  const rules = new FaultRules<string>(new FaultRandom(seed));
  rules.add("x", Infinity, rate);
  return Array.from({ length: n }, (_, i) => i).filter(() => rules.take(() => true) === "x");
}

describe("rate-based fault rules (seeded)", () => {
  it("fire on the same requests for the same seed, on others for another seed", () => {
    const a = pattern(7, 0.1, 2_000);
    expect(pattern(7, 0.1, 2_000)).toEqual(a);
    expect(pattern(8, 0.1, 2_000)).not.toEqual(a);
    // About the rate: 200 expected of 2 000 (a binomial's sd is ~13; 5 sd either side).
    expect(a.length).toBeGreaterThan(135);
    expect(a.length).toBeLessThan(265);
  });

  it("reseeding restarts the sequence; rate 1 fires every time; times still bounds a rate rule", () => {
    const random = new FaultRandom(3);
    const first = Array.from({ length: 5 }, () => random.next());
    random.reseed(3);
    expect(Array.from({ length: 5 }, () => random.next())).toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(pattern(1, 1, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const rules = new FaultRules<string>(new FaultRandom(5));
    const handle = rules.add("x", 3, 0.5);
    let fired = 0;
    for (let i = 0; i < 100; i++) if (rules.take(() => true)) fired++;
    expect([fired, handle.fired]).toEqual([3, 3]);
  });

  it("a matching rule whose draw misses lets the next rule be tried; no draw without a match", () => {
    const random = new FaultRandom(11);
    const rules = new FaultRules<string>(random);
    rules.add("rare", Infinity, 0.000001);
    rules.add("always", Infinity);
    expect(rules.take(() => true)).toBe("always");
    // A request no rule matches draws nothing: the sequence is where it was.
    const twin = new FaultRandom(11);
    twin.next();
    expect(rules.take(() => false)).toBeUndefined();
    expect(random.next()).toBe(twin.next());
  });

  it("refuse a rate outside (0, 1] and a seed that is not a safe integer", () => {
    expect(() => new FaultRandom(1.5)).toThrow(RangeError);
    expect(() => new FaultRandom(2 ** 60)).toThrow(RangeError);
  });
});

describe("AAP simulator: rate-based rules", () => {
  let fixture: { url: string; seed: (s: number) => void; inject: (rate: number) => void };
  withAap((sim) => {
    fixture = {
      url: sim.url,
      seed: (s) => sim.aap.faults.seed(s),
      inject: (rate) => sim.aap.faults.inject({ rate, action: { type: "status", status: 503 } }),
    };
  });

  async function statuses(seed: number): Promise<number[]> {
    fixture.seed(seed);
    const out: number[] = [];
    for (let i = 0; i < 40; i++) out.push((await call(fixture.url, `${V2}jobs/`)).status);
    return out;
  }

  it("fault the same requests of a sequence for a seed (times default Infinity with a rate)", async () => {
    fixture.inject(0.3);
    const first = await statuses(42);
    expect(await statuses(42)).toEqual(first);
    expect(first.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(new Set(first)).toEqual(new Set([200, 503]));
  });
});

describe("EDA simulator: rate-based webhook rules", () => {
  const fixture = withEda({ rules: [{ endpoint: "create-thing", template: "jt" }] });

  it("answer the same events for a seed, and refuse a bad rate", async () => {
    const { eda, webhookUrl } = await fixture.start({
      setup: (aap) => aap.addJobTemplate({ name: "jt", allowSimultaneous: true }),
      activation: { executionStrategy: "parallel" },
    });
    expect(() => eda.faults.webhook({ status: 503, rate: 0 })).toThrow(RangeError);
    const handle = eda.faults.webhook({ status: 503, rate: 0.4 });
    const run = async () => {
      eda.faults.seed(9);
      const out: number[] = [];
      for (let i = 0; i < 20; i++) {
        out.push(
          (await post(`${webhookUrl}/create-thing`, payload("vm", "provision", `c-${i}`))).status,
        );
      }
      return out;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(handle.fired).toBe(2 * first.filter((s) => s === 503).length);
    expect(new Set(first)).toEqual(new Set([200, 503]));
  });
});

describe("Kubernetes API simulator: rate-based rules and watch faults", () => {
  it("status, conflict and watch rules fire at their rate, the same for a seed", async () => {
    const h = await startHarness();
    try {
      await h.vms.create(vm("vm-1"));
      const run = async () => {
        h.sim.faults.clear();
        h.sim.faults.seed(5);
        const status = h.sim.faults.status({
          code: 500,
          times: Infinity,
          rate: 0.2,
          method: "GET",
        });
        const compact = h.sim.faults.watches({ action: "compact", times: Infinity, rate: 0.2 });
        const out: number[] = [];
        for (let i = 0; i < 30; i++) out.push((await raw(h.url, `${VM_PATH}/vm-1`)).status);
        return { out, status: status.fired, compact: compact.fired };
      };
      const first = await run();
      expect(await run()).toEqual(first);
      expect(new Set(first.out)).toEqual(new Set([200, 500]));
      expect(first.status).toBe(first.out.filter((s) => s === 500).length);
      expect(first.compact).toBeGreaterThan(0);
      expect(h.sim.requests().filter((r) => r.faults?.includes("compact")).length).toBe(
        2 * first.compact,
      );
      expect(() => h.sim.faults.conflicts({ times: 1, rate: 2 })).toThrow(RangeError);
      expect(() => h.sim.faults.watches({ action: "explode" as "drop", times: 1 })).toThrow(
        RangeError,
      );
    } finally {
      await h.sim.stop();
    }
  });

  it("a compact rule makes a watch resuming from before it get 410 Expired", async () => {
    const h = await startHarness();
    try {
      const created = await h.vms.create(vm("vm-1"));
      const from = created.metadata.resourceVersion;
      await h.vms.create(vm("vm-2"));
      h.sim.faults.watches({ action: "compact", times: 1, method: "DELETE" });
      await h.vms.delete("vm-2");
      const reply = await raw(
        h.url,
        `${VM_PATH}?watch=true&resourceVersion=${from}&timeoutSeconds=1`,
      );
      const first = JSON.parse(reply.text.split("\n")[0] ?? "{}") as {
        type?: string;
        object?: { code?: number };
      };
      expect(first).toMatchObject({ type: "ERROR", object: { code: 410 } });
    } finally {
      await h.sim.stop();
    }
  });
});
