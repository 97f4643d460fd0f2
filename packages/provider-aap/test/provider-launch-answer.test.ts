import {
  ErrorCode,
  InvalidResponseError,
  configVersion,
  isOutcomeUnknown,
} from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { call, computeInstance, failure, hostPool, startAap } from "./support/fixture.ts";

const V1 = configVersion({ cores: 2 });

const KINDS = [
  { kind: "job", template: "create-compute-instance", resource: () => computeInstance("vm-1") },
  { kind: "workflow_job", template: "create-host-pool", resource: () => hostPool("pool-1") },
] as const;

/** Job ids a 201 may carry that name no job the provider can poll. */
const BAD_IDS: { label: string; id?: unknown }[] = [
  { label: "0", id: 0 },
  { label: "-1", id: -1 },
  { label: 'the string "7"', id: "7" },
  { label: "1.5", id: 1.5 },
  { label: "null", id: null },
  { label: "missing" },
];

describe.each(KINDS)("a $kind launch answer whose id is unusable (issue 13)", (kind) => {
  it.each(BAD_IDS)(
    "id $label: a typed error with outcomeUnknown, and the job AAP created is found by correlation id",
    async ({ id }) => {
      const fx = await startAap();
      const body: Record<string, unknown> = {
        type: kind.kind,
        status: "pending",
        failed: false,
        name: kind.template,
        started: null,
        finished: null,
      };
      if (id !== undefined) body.id = id;
      // The simulator carries the launch out, then answers this 201 body instead.
      fx.sim.faults.inject({ operation: "launch", action: { type: "malformed", body } });

      const error = await failure(
        fx.provider.triggerProvision(kind.resource(), { ...call("corr-odd"), configVersion: V1 }),
      );
      expect(error).toBeInstanceOf(InvalidResponseError);
      expect(error.code).toBe(ErrorCode.InvalidResponse);
      expect(isOutcomeUnknown(error)).toBe(true);
      expect(error.message).toMatch(/"id" (must be|is missing).*a positive integer/);
      expect(error.details.field).toBe("id");

      const [job] = fx.sim.ledger();
      expect(fx.sim.ledger()).toHaveLength(1);
      const found = await fx.provider.findJob(
        kind.resource(),
        { correlationId: "corr-odd", type: "provision" },
        { signal: new AbortController().signal },
      );
      expect(found?.jobId).toBe(`${kind.kind}:${job!.id}`);
    },
  );

  it("a positive integer id is accepted (the same body with the real id)", async () => {
    const fx = await startAap();
    const launched = await fx.provider.triggerProvision(kind.resource(), {
      ...call("corr-ok"),
      configVersion: V1,
    });
    expect(launched.jobId).toBe(`${kind.kind}:${fx.sim.ledger()[0]!.id}`);
  });
});
