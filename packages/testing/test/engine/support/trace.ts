/**
 * The conformance suite's trace of a {@link Harness} run, and its rule checks over it: the
 * engine's tests judge runs with the suite's checks, not with checks of their own.
 */
import { CheckContext } from "../../../src/conformance/checks/context.js";
import type { Trace } from "../../../src/conformance/driver/trace.js";
import type { MemoryBackend, Violation } from "../../../src/index.js";
import type { Harness } from "./harness.js";

/** One of the suite's rule checks. */
export type Check = (ctx: CheckContext) => Violation[];

/**
 * `recorded` (an `emptyTrace` the provider calls were pushed to) completed with the harness's writes and release, the backend's ledger and the
 * resource as it is now. Unless `final`, the run counts as unfinished: the checks of the
 * end state are left out, and the job of the persisted pending marker may be unrecorded yet.
 */
export function harnessTrace(
  h: Harness,
  backend: MemoryBackend,
  recorded: Trace,
  final: boolean,
): Trace {
  const now = h.clock.now();
  const status = h.status;
  const trace: Trace = {
    ...recorded,
    end: now,
    ledger: backend.ledger(),
    persists: [...h.persists],
    releases: [...h.releases],
    resources: [h.key],
    final: new Map([
      [
        h.key,
        {
          exists: !h.finalizerReleased,
          deleting: h.deleting,
          desired: h.desired,
          ...(status ? { status } : {}),
        },
      ],
    ]),
  };
  if (!final) trace.unreached = { goal: "quiescence", rule: "E3", at: now };
  return trace;
}

/** The violations `checks` find in a trace, each message starting with its rule id. */
export function violations(trace: Trace, checks: readonly Check[]): string[] {
  const ctx = new CheckContext(trace);
  return checks.flatMap((check) => check(ctx)).map((v) => v.message);
}
