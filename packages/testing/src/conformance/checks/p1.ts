/**
 * P1: `name` is a non-empty stable identifier; results carry no secrets.
 *
 * @module
 */
import type { Violation } from "../types.js";
import type { CheckContext } from "./context.js";

function describe(name: unknown): string {
  return typeof name === "string" ? JSON.stringify(name) : `a ${typeof name}`;
}

/** P1: every provider object has the same non-empty name, which never changes; no secret in any answer or error. */
export function checkP1(ctx: CheckContext): Violation[] {
  const out: Violation[] = [];
  const names = ctx.trace.providerNames;
  const first = names[0];
  if (names.some((n) => typeof n !== "string" || n.trim() === "")) {
    const bad = names.find((n) => typeof n !== "string" || n.trim() === "");
    out.push(
      ctx.violation(
        "P1",
        `a provider from the backend is named ${describe(bad)}; a name must be a non-empty string`,
      ),
    );
  }
  const other = names.find((n) => n !== first);
  if (other !== undefined) {
    out.push(
      ctx.violation(
        "P1",
        `provider instances of one backend are named ${describe(first)} and ${describe(other)}; the name must be stable`,
      ),
    );
  }
  const changed = ctx.trace.calls.find((c) => names.length > 0 && !names.includes(c.innerName));
  if (changed) {
    out.push(
      ctx.violation(
        "P1",
        `the provider's name was ${describe(changed.innerName)} at its ${changed.method} call at ${ctx.t(changed.at)}, not ${describe(first)}; the name must never change`,
      ),
    );
  }
  const secrets = ctx.trace.secrets.filter((s) => s.length >= 4);
  for (const call of ctx.trace.calls) {
    const text = call.outcome.ok
      ? JSON.stringify(call.outcome.value ?? null)
      : call.outcome.error.text;
    const leaked = secrets.find((s) => text.includes(s));
    if (leaked === undefined) continue;
    const where = call.outcome.ok ? "answer" : `${call.outcome.error.name}`;
    out.push(
      ctx.violation(
        "P1",
        `the ${where} of ${call.method} for ${call.resourceKey} at ${ctx.t(call.at)} (process ${call.process}) contains a secret of the backend (${leaked.slice(0, 3)}…)`,
      ),
    );
  }
  return out;
}
