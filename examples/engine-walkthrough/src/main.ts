/**
 * A walkthrough of the lifecycle engine: four resources on one in-memory backend, on a
 * virtual clock, through create, update, delete-while-provisioning, a failed delete that
 * stays blocked until a retry succeeds, and a crash between a launch and its record.
 * The closing checks read the backend's own ledger, not the engine's status.
 */
import { ConditionType, findCondition, type EngineEvent } from "@provisionkit/core";
import { Harness } from "../../../packages/core/test/support/harness.js";
import {
  MemoryBackend,
  MemoryProvider,
  VirtualClock,
  overlappingJobs,
} from "../../../packages/core/test/support/memory-backend.js";

const clock = new VirtualClock();
const start = clock.now;
const backend = new MemoryBackend(clock);
const provider = new MemoryProvider(backend, "memory");
const options = {
  pollIntervalMs: 5_000,
  provisionBackoff: { initialMs: 20_000, factor: 2, maxMs: 120_000 },
  deprovisionBackoff: { initialMs: 20_000, factor: 2, maxMs: 120_000 },
};

interface Actor {
  name: string;
  h: Harness;
  next: number;
  seen: number;
}
const actors: Actor[] = ["db-1", "web-1", "cache-1", "queue-1"].map((name) => ({
  name,
  h: new Harness(clock, provider, options, { size: 1 }, name),
  next: clock.now,
  seen: 0,
}));
const blockedSeen = new Set<string>();
const actor = (name: string): Actor => actors.find((a) => a.name === name)!;
const stamp = (): string => `+${String(Math.round((clock.now - start) / 1000)).padStart(4)}s`;

function print(a: Actor, events: EngineEvent[]): void {
  for (const e of events) {
    console.log(
      `${stamp()}  ${a.name.padEnd(8)} ${e.type === "Warning" ? "!" : " "} ${e.reason.padEnd(28)} ${e.message}`,
    );
  }
}

async function step(a: Actor): Promise<void> {
  if (a.h.finalizerReleased) return;
  try {
    const result = await a.h.reconcile();
    a.next = clock.now + (result.requeueAfterMs ?? 60_000);
  } catch (error) {
    console.log(
      `${stamp()}  ${a.name.padEnd(8)} ! ${"Crash".padEnd(28)} ${(error as Error).message}; restarting from the persisted status`,
    );
    a.next = clock.now + 1_000;
  }
  if (
    findCondition(a.h.status?.conditions ?? [], ConditionType.DeletionBlocked)?.status === "True"
  ) {
    blockedSeen.add(a.name);
  }
  print(a, a.h.events.slice(a.seen));
  a.seen = a.h.events.length;
}

/** Run every actor whose time has come, advancing the clock, until `until` or a deadline. */
async function runUntil(until: () => boolean, deadlineMs = 30 * 60_000): Promise<void> {
  const deadline = clock.now + deadlineMs;
  while (!until() && clock.now < deadline) {
    const due = actors.filter((a) => !a.h.finalizerReleased && a.next <= clock.now);
    for (const a of due) await step(a);
    const live = actors.filter((a) => !a.h.finalizerReleased);
    if (live.length === 0) break;
    clock.advance(Math.max(1, Math.min(...live.map((a) => a.next)) - clock.now));
  }
}

const ready = (a: Actor): boolean => a.h.status?.reconciledConfigVersion === a.h.desired;

console.log("Four resources are created.");
backend.scripts.provision.push(
  { durationMs: 30_000 },
  { durationMs: 30_000 },
  { durationMs: 90_000 },
  { durationMs: 30_000 },
);
// queue-1 crashes after its launch, before the job record is written.
actor("queue-1").h.failPersist = "update";
await runUntil(() => actor("web-1").h.status?.jobs.length === 1 && clock.now - start >= 10_000);

console.log("\nweb-1 is deleted while its provision job still runs.");
actor("web-1").h.delete();
actor("web-1").next = clock.now;
await runUntil(() => ["db-1", "cache-1", "queue-1"].every((n) => ready(actor(n))));

console.log("\ndb-1's spec changes.");
actor("db-1").h.setSpec({ size: 2 });
actor("db-1").next = clock.now;
await runUntil(() => ready(actor("db-1")));

console.log("\ncache-1 is deleted; its first deprovision job fails and blocks deletion.");
backend.scripts.deprovision.push({ outcome: "fail", durationMs: 15_000 });
actor("cache-1").h.delete();
actor("cache-1").next = clock.now;
await runUntil(() => actor("cache-1").h.finalizerReleased && actor("web-1").h.finalizerReleased);

console.log("\nSummary (from the backend's ledger):");
console.log("resource  jobs                                                   final state");
for (const a of actors) {
  const jobs = backend.ledger.filter((j) => j.resource === `ns/${a.name}`);
  const line = jobs
    .map(
      (j) =>
        `${j.type[0]}:${j.state}(${Math.round(((j.finishedAt ?? clock.now) - j.createdAt) / 1000)}s)`,
    )
    .join(" ");
  const ready = findCondition(a.h.status?.conditions ?? [], ConditionType.Ready)?.status === "True";
  const final = a.h.finalizerReleased ? "deleted" : ready ? "Ready" : "not ready";
  console.log(`${a.name.padEnd(9)} ${line.padEnd(54)} ${final}`);
}

const problems: string[] = overlappingJobs(backend.ledger).map((p) => `E1 broken: ${p}`);
for (const a of actors.filter((x) => !x.h.finalizerReleased)) {
  const succeeded = backend.ledger
    .filter(
      (j) => j.resource === `ns/${a.name}` && j.type === "provision" && j.state === "Succeeded",
    )
    .at(-1);
  if (!ready(a)) problems.push(`${a.name} is not Ready`);
  if (a.h.status?.reconciledConfigVersion !== succeeded?.configVersion) {
    problems.push(
      `E3 broken: ${a.name} reconciled ${a.h.status?.reconciledConfigVersion} but the ledger's latest success is ${succeeded?.configVersion}`,
    );
  }
}
const queueJobs = backend.ledger.filter((j) => j.resource === "ns/queue-1");
if (queueJobs.length !== 1)
  problems.push(`E5 broken: queue-1 has ${queueJobs.length} jobs after its crash`);
for (const a of actors.filter((x) => x.h.finalizerReleased)) {
  const last = backend.ledger
    .filter((j) => j.resource === `ns/${a.name}` && j.type === "deprovision")
    .at(-1);
  if (last?.state !== "Succeeded")
    problems.push(
      `E4 broken: ${a.name} was released after a ${last?.state ?? "missing"} deprovision`,
    );
}
if (!actor("web-1").h.finalizerReleased || !actor("cache-1").h.finalizerReleased)
  problems.push("a deleted resource kept its finalizer");
if (!blockedSeen.has("cache-1"))
  problems.push("E4 broken: cache-1's failed deprovision never set DeletionBlocked");

if (problems.length > 0) {
  console.log(`\nINVARIANTS BROKEN:\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log(
  `\nInvariants held: no resource ever had two jobs active at once (E1); every live resource's reconciled version ` +
    `is its latest succeeded job's (E3); the job launched before queue-1's crash was adopted, not relaunched (E5); ` +
    `deletion of cache-1 stayed blocked until its deprovision succeeded (E4).`,
);
