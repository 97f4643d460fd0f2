/**
 * The soak's shared ledger view: the lifecycles' looks at their objects (every 10 ms each)
 * share one copy of the backend's ledger, taken at most every `ledgerRefreshMs`. Before it,
 * each look copied the whole ledger: with 8 lifecycles in flight and a few hundred jobs, the
 * harness held the event loop the controllers and simulators share with it (a 200-lifecycle
 * AapProvider soak spent about half its CPU in those copies, and lifecycles ran past their
 * 30 s budget, counted stuck).
 */
import { describe, expect, it } from "vitest";
import { SOAK_DEFAULTS, SoakLedgerView } from "../../src/conformance/operator/soak.js";
import type { ConformanceJob } from "../../src/index.js";

function job(id: number, resourceKey: string, createdAt: number, provision = true): ConformanceJob {
  return {
    id: String(id),
    resourceKey,
    operation: provision ? "provision" : "deprovision",
    createdAt,
  };
}

describe("the soak's ledger view", () => {
  it("takes one copy per refresh interval however many lifecycles look, and sees new jobs after it", () => {
    let now = 0;
    let copies = 0;
    const ledger: ConformanceJob[] = [];
    for (let i = 0; i < 300; i++) ledger.push(job(i, `ns/o-${i % 30}`, 300 - i));
    const view = new SoakLedgerView(
      () => {
        copies++;
        return ledger.map((j) => ({ ...j }));
      },
      SOAK_DEFAULTS.ledgerRefreshMs,
      () => now,
    );
    // 8 lifecycles looking every 10 ms for one second of (virtual) time.
    for (let tick = 0; tick < 100; tick++) {
      for (let k = 0; k < 8; k++) view.jobs(`ns/o-${k}`);
      now += 10;
    }
    expect(SOAK_DEFAULTS.ledgerRefreshMs).toBe(50);
    expect(copies).toBe(20);
    expect(view.copies).toBe(20);
    // Each object's jobs, oldest first (the ledger had them newest first).
    const jobs = view.jobs("ns/o-3");
    expect(jobs.map((j) => j.id)).toEqual(
      ledger
        .filter((j) => j.resourceKey === "ns/o-3")
        .sort((a, b) => a.createdAt - b.createdAt)
        .map((j) => j.id),
    );
    expect(jobs).toHaveLength(10);
    // A job launched just after a copy is seen once the interval has passed, not before.
    view.jobs("ns/o-0");
    expect(copies).toBe(21);
    ledger.push(job(1_000, "ns/new", 5_000, false));
    now += 49;
    expect(view.jobs("ns/new")).toEqual([]);
    expect(copies).toBe(21);
    now += 1;
    expect(view.jobs("ns/new", "deprovision")).toEqual([ledger.at(-1)]);
    expect(view.jobs("ns/new", "provision")).toEqual([]);
    expect(copies).toBe(22);
    expect(view.jobs("ns/absent")).toEqual([]);
  });

  it("hands each caller its own list (a caller's change does not reach the next)", () => {
    const view = new SoakLedgerView(
      () => [job(1, "ns/a", 1), job(2, "ns/a", 2)],
      50,
      () => 0,
    );
    const first = view.jobs("ns/a");
    first.pop();
    expect(view.jobs("ns/a")).toHaveLength(2);
  });
});
