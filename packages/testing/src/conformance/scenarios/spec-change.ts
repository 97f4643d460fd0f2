/**
 * @module
 */
import { SPECS } from "../driver/session.js";
import { single } from "./scenario.js";

/** The spec changes while the first provision job runs: the new version follows it (engine policy `wait`). */
export const specChangeWhileProvisioning = single(
  {
    id: "spec-change-while-provisioning",
    title: "spec change while provisioning",
    rules: ["E1", "E2", "E3"],
  },
  async (s) => {
    const key = s.create("w1", SPECS.A);
    await s.until(() => s.active(key, "provision"), "a provision job running", "E3", key);
    await s.runFor(5_000);
    s.setSpec(key, SPECS.B);
    await s.untilReady(key);
  },
);

/** The spec changes while a long provision job runs: the engine cancels it (policy `cancel`). */
export const specChangeCancelsRunning = single(
  {
    id: "spec-change-cancels-running",
    title: "spec change cancels the running provision job",
    rules: ["P3", "E1", "E3"],
    needs: { capabilities: ["cancel"] },
  },
  async (s) => {
    s.scriptNext("provision", { durationMs: 10 * 60_000 });
    const key = s.create("w1", SPECS.A);
    await s.until(() => s.active(key, "provision"), "a provision job running", "E3", key);
    await s.runFor(15_000);
    s.setSpec(key, SPECS.B);
    await s.untilReady(key);
  },
  () => ({ engine: { onSpecChangeWhileRunning: "cancel" } }),
);

/** A → B → A: each change provisioned, A again at the end (E3), never twice without a change (E2). */
export const specABA = single(
  { id: "spec-a-b-a", title: "spec A → B → A re-provisions A", rules: ["P2", "P4", "E2", "E3"] },
  async (s) => {
    const key = s.create("w1", SPECS.A);
    await s.untilReady(key);
    s.setSpec(key, SPECS.B);
    await s.untilReady(key);
    s.setSpec(key, SPECS.A);
    await s.untilReady(key);
  },
);
