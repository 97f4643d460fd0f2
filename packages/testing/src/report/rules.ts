/**
 * One line per rule, for the reports' rules table (the full text: DESIGN's contract rules
 * and engine invariants, and docs/conformance.md).
 *
 * @module
 */
import type { RuleId } from "../conformance/types.js";

/** What each rule asks, in a line. */
export const RULE_MEANINGS: Readonly<Record<RuleId, string>> = Object.freeze({
  P1: "the provider has a stable name; messages and results carry no secrets",
  P2: "a launch returns the backend's job id, unique in the resource's history",
  P3: "every job reaches a terminal state through the status calls; a purged job is JobNotFoundError",
  P4: "a succeeded provision reports the config version it was launched with, or none",
  P5: "while the provision job runs, a deprovision cancels it and answers waiting, never starts",
  P6: "a deprovision is skipped only when nothing can have been provisioned",
  P7: "triggered and waiting declare blockDeletionOnFailure, the same on every attempt",
  P8: "rate limits are RateLimitError with the server's Retry-After; unknown outcomes say so",
  P10: "a job is reported, adopted or cancelled only after its own record shows it is the resource's",
  E1: "at most one active job per resource at any instant",
  E2: "at most one successful launch per resource and config version; failures retried with backoff",
  E3: "the reconciled version is that of the latest succeeded provision; Ready iff desired = reconciled",
  E4: "the finalizer is released only after a successful, skipped or non-blocking failed teardown",
  E5: "a crash, restart or second replica loses no job and launches none twice",
  E6: "the engine never branches on the provider's name; another provider can tear down",
  L1: "every provider call returns or throws within its deadline",
});
