/**
 * Issue 16: the AAP simulator's JSON handling never recurses on untrusted depth. A launch
 * body nested deeper than Python's JSON decoder can go is answered like AWX answers it
 * (500 `A server error has occurred.`, src/aap/launch-body.ts cites why), 10,000 and
 * 100,000 levels included, and the simulator keeps serving.
 */
import { AapSimulator, VirtualClock } from "@provisionkit/testing";
import { afterEach, describe, expect, it } from "vitest";
import { AWX_MAX_JSON_DEPTH } from "../src/aap/launch-body.js";
import { call, V2 } from "./aap-support.js";

let sim: AapSimulator | undefined;
afterEach(() => sim?.stop());

/** `{"a":{"a":…{}…}}` with `levels` objects. */
const objects = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${"}".repeat(levels - 1)}`;

async function start() {
  sim = new AapSimulator({ clock: new VirtualClock() });
  const url = await sim.start();
  const id = sim.addJobTemplate({ name: "jt", askVariablesOnLaunch: true });
  const launch = (body: string) =>
    call(url, `${V2}job_templates/${id}/launch/`, {
      body,
      headers: { "Content-Type": "application/json" },
    });
  return { url, launch };
}

describe("AAP simulator: deeply nested launch bodies", () => {
  it("accepts extra_vars nested below AWX_MAX_JSON_DEPTH (512 and 999 levels in all)", async () => {
    const { launch } = await start();
    expect(AWX_MAX_JSON_DEPTH).toBe(1000);
    for (const levels of [512, AWX_MAX_JSON_DEPTH - 1]) {
      // The body object itself is one level: extra_vars holds levels - 1.
      const reply = await launch(`{"extra_vars": ${objects(levels - 1)}}`);
      expect(reply.status, `${levels} levels`).toBe(201);
    }
    expect(sim!.ledger()).toHaveLength(2);
  });

  it.each([AWX_MAX_JSON_DEPTH, 10_000, 100_000])(
    "answers a body nested %i deep with AWX's 500 and launches nothing",
    async (levels) => {
      const { url, launch } = await start();
      for (const body of [
        `{"extra_vars": ${objects(levels - 1)}}`,
        `{"extra_vars": ${JSON.stringify(objects(levels))}}`,
        `{"extra_vars": {"list": ${"[".repeat(levels - 2)}${"]".repeat(levels - 2)}}}`,
      ]) {
        const reply = await launch(body);
        expect(reply.status).toBe(500);
        expect(reply.json).toEqual({ detail: "A server error has occurred." });
      }
      expect(sim!.ledger()).toHaveLength(0);
      // Deliberate answers, not a stack overflow caught on the way out.
      expect(sim!.requests().map((r) => (r as { error?: string }).error)).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
      expect((await call(url, `${V2}ping/`)).status).toBe(200);
    },
  );
});
