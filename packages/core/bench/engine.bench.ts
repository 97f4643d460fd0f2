/**
 * Engine benchmarks: how much a decision and a config hash cost. Run with `pnpm bench`;
 * vitest prints ops/s and latency percentiles per case. A whole lifecycle on the reference
 * memory backend is benchmarked in `@provisionkit/testing` (test/engine/lifecycle.bench.ts),
 * where that backend lives.
 */
import { bench, describe } from "vitest";
import {
  JobState,
  configVersion,
  decide,
  resolveEngineOptions,
  type DecideInput,
  type JobRecord,
} from "@provisionkit/core";

const T0 = Date.UTC(2026, 0, 1);
const history: JobRecord[] = Array.from({ length: 10 }, (_, i) => ({
  jobId: `j${i}`,
  type: i % 3 === 2 ? "deprovision" : "provision",
  state: i === 9 ? JobState.Running : JobState.Failed,
  message: "m",
  provider: "memory",
  correlationId: `c${i}`,
  launchedAt: new Date(T0 + i * 1000).toISOString(),
  updatedAt: new Date(T0 + i * 1000).toISOString(),
  attempt: i + 1,
  configVersion: "sha256:aaaa",
}));
const input: DecideInput = {
  status: { jobs: history, conditions: [], desiredConfigVersion: "sha256:aaaa" },
  desiredConfigVersion: "sha256:bbbb",
  deleting: false,
  now: T0 + 60_000,
  generation: 2,
  providers: {
    current: { name: "memory", canFindJob: true, canCancel: true },
    get: (name) => (name === "memory" ? { name, canFindJob: true, canCancel: true } : undefined),
  },
  options: resolveEngineOptions(),
  newCorrelationId: () => "c",
};

const spec = {
  image: "rhel-9.4",
  size: { cpu: 4, memoryGiB: 16 },
  disks: Array.from({ length: 50 }, (_, i) => ({
    name: `disk-${i}`,
    sizeGiB: 10 * i,
    tags: { tier: "gold", idx: i },
  })),
  labels: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${99 - i}`, `v${i}`])),
};

describe("engine", () => {
  bench("decide() with a full 10-job history and a running job", () => {
    decide(input);
  });

  bench(`configVersion() of a ${JSON.stringify(spec).length}-byte spec`, () => {
    configVersion(spec);
  });
});
