import {
  JobState,
  MAX_STATUS_MESSAGE_CHARS,
  checkProvisionStatus,
  configVersion,
  type ProvisionStatus,
} from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { MAX_ERROR_DETAILS } from "../src/provider/job-status.ts";
import { call, computeInstance, startAap } from "./support/fixture.ts";

// Issue 16 item 1: AAP bounds neither job_explanation nor result_traceback. Before the fix a
// failed job with a 1 MiB explanation gave a status message of 1 MiB and error details of
// 1 MiB + 2 KiB; the API server then refused the status that carried them.
const MIB = 1024 * 1024;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const body = (name: string, ch: string) => `${name}-START ${ch.repeat(MIB)} ${name}-END`;

describe("AapProvider bounds the texts AAP sends (issue 16)", () => {
  it("a failed job with a 1 MiB job_explanation and a 1 MiB result_traceback", async () => {
    // "😀" is a surrogate pair: a cut in the middle of one would show as a lone surrogate.
    const explanation = body("EXPLANATION", "😀");
    const traceback = body("TRACEBACK", "x");
    const fx = await startAap({
      simulator: {
        defaultScript: {
          runMs: 1000,
          outcome: "failed",
          jobExplanation: explanation,
          resultTraceback: traceback,
        },
      },
    });
    const resource = computeInstance("vm-1");
    const { jobId } = await fx.provider.triggerProvision(resource, {
      ...call(),
      configVersion: configVersion({ cores: 2 }),
    });
    fx.clock.advance(60_000);
    const status: ProvisionStatus = await fx.provider.getProvisionStatus(resource, jobId, call());
    expect(status.state).toBe(JobState.Failed);
    expect(status.message.length).toBeLessThanOrEqual(MAX_STATUS_MESSAGE_CHARS);
    expect(status.message).toMatch(
      / is failed: EXPLANATION-START .* characters cut\] … .*EXPLANATION-END$/su,
    );
    const details = status.errorDetails ?? "";
    expect(details.length).toBeLessThanOrEqual(2 * MAX_ERROR_DETAILS + 1);
    expect(details).toContain("EXPLANATION-START");
    expect(details).toContain("EXPLANATION-END\nTRACEBACK-START");
    expect(details.endsWith("TRACEBACK-END")).toBe(true);
    for (const text of [status.message, details]) expect(text).not.toMatch(LONE_SURROGATE);
    // What the provider answers is already within what the engine keeps: nothing more is cut.
    expect(checkProvisionStatus(status)).toEqual(status);
    console.info(
      `AapProvider status for a 1 MiB explanation + 1 MiB traceback: message ${status.message.length} characters, errorDetails ${details.length}`,
    );
  });
});
