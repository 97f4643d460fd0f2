/**
 * @module
 */
import { providerSet } from "@provisionkit/core";
import { SPECS } from "../driver/session.js";
import { single } from "./scenario.js";

/** A launch whose record was lost in a crash is adopted by correlation id, not launched again. */
export const crashAdoptsByCorrelationId = single(
  {
    id: "crash-adopts-by-correlation-id",
    title: "a job launched just before a crash is found again (findJob)",
    rules: ["E5"],
    needs: { capabilities: ["findJob"] },
  },
  async (s) => {
    s.driver.crashAt("after-launch");
    const key = s.create("w1", SPECS.A);
    await s.untilReady(key);
    s.driver.crashAt("after-launch");
    s.delete(key);
    await s.untilGone(key);
    if (s.world.trace.blocks.length > 0) {
      s.expect(
        "E5",
        `${key}: the engine blocked on an unknown launch outcome although the provider has findJob`,
      );
    }
  },
);

/** Two controller replicas reconcile the same resources at once (conflicts through resourceVersion). */
export const twoControllers = single(
  { id: "two-controllers", title: "two controllers at once", rules: ["E1", "E2", "E5"] },
  async (s) => {
    const first = s.create("w1", SPECS.A);
    const second = s.create("w2", SPECS.A);
    await s.untilReady(first);
    s.setSpec(first, SPECS.B);
    await s.runFor(5_000);
    s.setSpec(second, SPECS.C);
    await s.untilReady(first);
    await s.untilReady(second);
    s.delete(first);
    s.delete(second);
    await s.untilGone(first);
    await s.untilGone(second);
  },
  () => ({ processes: 2 }),
);

/**
 * Provisioned by one provider, deprovisioned by another of another name on the same
 * backend, with a provision job still running at the switch: every job is polled (and
 * canceled) through the provider on its record (E6).
 */
export const providerSwitch = single(
  { id: "provider-switch", title: "provider switch (E6)", rules: ["E6", "E1", "E4"] },
  async (s) => {
    const key = s.create("w1", SPECS.A);
    await s.untilReady(key);
    s.scriptNext("provision", { durationMs: 120_000 });
    s.setSpec(key, SPECS.B);
    await s.until(() => s.active(key, "provision"), "a provision job running", "E3", key);
    const [old] = s.driver.processes;
    if (old) s.driver.stopProcess(old);
    s.driver.startProcess((make, wrap) => {
      const previous = make();
      return providerSet(wrap(make(), `${previous.name}-successor`), wrap(previous));
    });
    s.world.mark(key, "provider switched");
    s.delete(key);
    await s.untilGone(key);
  },
);
