/**
 * @module
 */
import { SPECS } from "../driver/session.js";
import { single } from "./scenario.js";

/** Two resources created: each provisioned once and Ready with its spec applied. */
export const createToReady = single(
  { id: "create-to-ready", title: "create to ready", rules: ["P1", "P2", "P3", "P4", "E3"] },
  async (s) => {
    const first = s.create("w1", SPECS.A);
    const second = s.create("w2", SPECS.B);
    await s.untilReady(first);
    await s.untilReady(second);
  },
);
