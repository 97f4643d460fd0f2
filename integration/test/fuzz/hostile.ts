/**
 * The fuzz tier's shared parts (issue 16): hostile HTTP answers as fast-check values, a
 * loopback proxy that corrupts a real simulator's answers with them, the property every call
 * must keep (a typed error or a documented value, within a bound, never an untyped error, an
 * unhandled rejection or a hang), the run settings (`FUZZ_RUNS`, `FUZZ_SEED`, set by
 * `pnpm fuzz -- --runs N --seed S`) and a heap gauge.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { request as httpRequest } from "node:http";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { isProviderError } from "@provisionkit/core";
import type { RecordedRequest, Reply } from "@provisionkit/testing";
import fc from "fast-check";

/** Runs and seed of this run: `FUZZ_RUNS` multiplies every property's CI default. */
export interface FuzzSettings {
  /** Cases of a property whose CI default is `ciRuns`. */
  runs(ciRuns: number): number;
  /** The seed every property starts from. */
  readonly seed: number;
}

/** `FUZZ_RUNS` (total cases per property; default: each property's CI count), `FUZZ_SEED`. */
export function fuzzSettings(): FuzzSettings {
  const runsText = process.env.FUZZ_RUNS;
  const seedText = process.env.FUZZ_SEED;
  const runs = runsText === undefined || runsText === "" ? undefined : Number(runsText);
  if (runs !== undefined && (!Number.isInteger(runs) || runs < 1))
    throw new Error(`FUZZ_RUNS must be a positive integer, got ${JSON.stringify(runsText)}`);
  const seed = seedText === undefined || seedText === "" ? 162_026 : Number(seedText);
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got ${seedText}`);
  return { runs: (ciRuns) => runs ?? ciRuns, seed };
}

/**
 * A property's wall-clock budget: a minute or two, plus `perCaseMs` for each of its cases
 * (hangs, time-outs and slow bodies spend real time, and a loaded machine stretches it).
 */
export function fuzzTimeoutMs(ciRuns: number, perCaseMs: number): number {
  return 120_000 + fuzzSettings().runs(ciRuns) * perCaseMs;
}

/**
 * Runs a fast-check property with the settings, and on failure rethrows with the seed and
 * the command that replays it first in the message.
 */
export async function checkProperty<T>(
  name: string,
  property: fc.IAsyncPropertyWithHooks<T> | fc.IAsyncProperty<T>,
  ciRuns: number,
): Promise<{ runs: number; ms: number }> {
  const settings = fuzzSettings();
  const runs = settings.runs(ciRuns);
  const started = performance.now();
  const details = await fc.check(property, {
    numRuns: runs,
    seed: settings.seed,
    endOnFailure: true,
  });
  const ms = Math.round(performance.now() - started);
  if (details.failed) {
    throw new Error(
      `fuzz property "${name}" failed — replay with: pnpm fuzz -- --seed ${settings.seed} --runs ${runs}  (FUZZ_SEED=${settings.seed})\n${fc.defaultReportMessage(details) ?? ""}`,
    );
  }
  return { runs, ms };
}

/** One corruption of an answer. `pass` forwards the simulator's answer unchanged. */
export type Hostile =
  | { kind: "pass" }
  | { kind: "status"; status: number }
  | { kind: "body"; status: number; body: unknown }
  | { kind: "field"; path: string; value: unknown; remove: boolean }
  | { kind: "truncate"; fraction: number }
  | { kind: "html"; status: number }
  | { kind: "huge"; status: number; mib: number }
  | { kind: "deep"; status: number; depth: number; object: boolean }
  | { kind: "redirect"; status: number }
  | { kind: "retryAfter"; status: number; value: string }
  | { kind: "empty"; status: number }
  | { kind: "contentType"; type: string }
  | { kind: "reset" }
  | { kind: "hang" }
  | { kind: "slow"; chunkMs: number };

const STATUSES = [
  200, 201, 202, 204, 301, 400, 401, 403, 404, 405, 409, 410, 429, 500, 502, 503, 504,
];

/** An HTTP status: mostly ones servers send, sometimes anything in 100–599. */
export const statusArb = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...STATUSES) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 599 }) },
);

/** JSON values of the wrong type for any field: numbers, strings, nulls, arrays, objects, ids. */
export const wrongValueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, -0, "", "null", "NaN", "successful", [], {}),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    "running",
    "successful",
    "failed",
    "canceled",
    "error",
    "new",
    "pending",
    "waiting",
  ),
  fc.string({ unit: "grapheme", maxLength: 10 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Field names worth corrupting in AAP and EDA answers. */
const FIELDS = [
  "id",
  "job",
  "status",
  "type",
  "url",
  "failed",
  "finished",
  "started",
  "created",
  "elapsed",
  "job_explanation",
  "result_traceback",
  "extra_vars",
  "name",
  "results",
  "count",
  "next",
  "related",
  "summary_fields",
  "ignored_fields",
  "detail",
  "current_version",
  "version",
  "organization",
  "kind",
  "unified_job_template",
  "job_template",
  "workflow_job_template",
  "results.0",
  "results.0.id",
  "results.0.status",
  "results.0.extra_vars",
  "results.0.name",
  "results.0.type",
  "results.0.summary_fields",
];

/** One hostile answer (weights keep the time-costly ones rare). */
export const hostileArb: fc.Arbitrary<Hostile> = fc.oneof(
  { weight: 10, arbitrary: fc.constant<Hostile>({ kind: "pass" }) },
  { weight: 4, arbitrary: statusArb.map((status): Hostile => ({ kind: "status", status })) },
  {
    weight: 4,
    arbitrary: fc
      .record({ status: statusArb, body: fc.jsonValue({ maxDepth: 4 }) })
      .map((r): Hostile => ({ kind: "body", ...r })),
  },
  {
    weight: 10,
    arbitrary: fc
      .record({ path: fc.constantFrom(...FIELDS), value: wrongValueArb, remove: fc.boolean() })
      .map((r): Hostile => ({ kind: "field", ...r })),
  },
  {
    weight: 3,
    arbitrary: fc
      .double({ min: 0, max: 0.99, noNaN: true })
      .map((fraction): Hostile => ({ kind: "truncate", fraction })),
  },
  { weight: 2, arbitrary: statusArb.map((status): Hostile => ({ kind: "html", status })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ status: fc.constantFrom(200, 201, 400, 500), mib: fc.integer({ min: 1, max: 2 }) })
      .map((r): Hostile => ({ kind: "huge", ...r })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        status: fc.constantFrom(200, 201, 400, 409, 500),
        depth: fc.oneof(
          fc.integer({ min: 100, max: 2_000 }),
          fc.integer({ min: 5_000, max: 100_000 }),
        ),
        object: fc.boolean(),
      })
      .map((r): Hostile => ({ kind: "deep", ...r })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(301, 302, 303, 307, 308)
      .map((status): Hostile => ({ kind: "redirect", status })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        status: fc.constantFrom(429, 503),
        value: fc.oneof(
          fc.constantFrom(
            "100000000000000",
            "1e308",
            "-5",
            "NaN",
            "",
            "0",
            "Infinity",
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "2",
          ),
          fc.nat().map(String),
          fc.string({ maxLength: 20 }),
        ),
      })
      .map((r): Hostile => ({ kind: "retryAfter", ...r })),
  },
  { weight: 1, arbitrary: statusArb.map((status): Hostile => ({ kind: "empty", status })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom("text/html", "application/octet-stream", "application/json; charset=latin1", "")
      .map((type): Hostile => ({ kind: "contentType", type })),
  },
  { weight: 1, arbitrary: fc.constant<Hostile>({ kind: "reset" }) },
  { weight: 1, arbitrary: fc.constant<Hostile>({ kind: "hang" }) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 20, max: 80 })
      .map((chunkMs): Hostile => ({ kind: "slow", chunkMs })),
  },
);

/** The answer a hostile reply starts from. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function setPath(target: unknown, path: string, value: unknown, remove: boolean): unknown {
  const keys = path.split(".");
  let cursor = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof cursor !== "object" || cursor === null) return target;
    cursor = (cursor as Record<string, unknown>)[key];
  }
  const last = keys.at(-1) as string;
  if (typeof cursor !== "object" || cursor === null) return target;
  if (remove) delete (cursor as Record<string, unknown>)[last];
  else (cursor as Record<string, unknown>)[last] = value;
  return target;
}

function deepText(depth: number, object: boolean): string {
  return object
    ? `${'{"detail":'.repeat(depth)}"x"${"}".repeat(depth)}`
    : `{"detail":${"[".repeat(depth)}${"]".repeat(depth)}}`;
}

/** Writes `answer` corrupted by `hostile`. `elsewhere` is another origin, for redirects. */
export function writeHostile(
  hostile: Hostile,
  answer: Answer,
  res: ServerResponse,
  elsewhere: string,
): void {
  const send = (status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(body);
  };
  switch (hostile.kind) {
    case "pass":
      return send(answer.status, answer.body, answer.headers);
    case "status":
      return send(hostile.status, answer.body);
    case "body":
      return send(hostile.status, JSON.stringify(hostile.body));
    case "field": {
      let parsed: unknown;
      try {
        parsed = JSON.parse(answer.body);
      } catch {
        return send(answer.status, answer.body);
      }
      return send(
        answer.status,
        JSON.stringify(setPath(parsed, hostile.path, hostile.value, hostile.remove)),
      );
    }
    case "truncate":
      return send(
        answer.status,
        answer.body.slice(0, Math.floor(answer.body.length * hostile.fraction)),
      );
    case "html":
      return send(
        hostile.status,
        "<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>",
        {
          "content-type": "text/html",
        },
      );
    case "huge":
      return send(hostile.status, `{"detail":"${"x".repeat(hostile.mib * 1024 * 1024)}"}`);
    case "deep":
      return send(hostile.status, deepText(hostile.depth, hostile.object));
    case "redirect":
      return send(hostile.status, "", { location: `${elsewhere}/stolen/` });
    case "retryAfter":
      return send(hostile.status, `{"detail":"slow down"}`, { "retry-after": hostile.value });
    case "empty":
      res.writeHead(hostile.status);
      res.end();
      return;
    case "contentType":
      return send(answer.status, answer.body, { "content-type": hostile.type });
    case "reset":
      res.socket?.destroy();
      return;
    case "hang":
      return;
    case "slow": {
      // Headers at once, then the body a few bytes at a time: a client must time out.
      res.writeHead(answer.status, { "content-type": "application/json" });
      let sent = 0;
      const timer = setInterval(() => {
        if (res.destroyed || sent >= answer.body.length) {
          clearInterval(timer);
          if (!res.destroyed) res.end();
          return;
        }
        res.write(answer.body.slice(sent, sent + 2));
        sent += 2;
      }, hostile.chunkMs);
      res.on("close", () => clearInterval(timer));
      return;
    }
  }
}

/**
 * A scripted reply that forwards each request to `upstream` (a simulator) and corrupts the
 * n-th answer with `script[n]` (the last one repeating; an empty script passes everything).
 */
export class HostileProxy {
  script: Hostile[] = [];
  #served = 0;
  constructor(
    readonly upstream: string,
    readonly elsewhere: string,
  ) {}

  /** Starts a new case. */
  reset(script: Hostile[]): void {
    this.script = script;
    this.#served = 0;
  }

  /** The reply to install with `server.otherwise(proxy.reply)`. */
  readonly reply: Reply = (request, response) => {
    const hostile = this.script[Math.min(this.#served, this.script.length - 1)] ?? { kind: "pass" };
    this.#served++;
    void forward(this.upstream, request).then(
      (answer) => writeHostile(hostile, answer, response, this.elsewhere),
      () => response.socket?.destroy(),
    );
  };
}

function forward(upstream: string, request: RecordedRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    for (const name of ["authorization", "content-type", "accept"]) {
      const value = request.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    const req = httpRequest(
      new URL(request.url, upstream),
      { method: request.method, headers },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const kept: Record<string, string> = {};
          for (const name of ["content-type", "retry-after", "location"]) {
            const value = res.headers[name];
            if (typeof value === "string") kept[name] = value;
          }
          resolve({
            status: res.statusCode ?? 500,
            headers: kept,
            body: Buffer.concat(chunks).toString("utf8"),
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(request.raw);
  });
}

/** What one call did. */
export type CallOutcome =
  | { kind: "value"; value: unknown }
  | { kind: "typed"; code: string }
  | { kind: "untyped"; error: unknown }
  | { kind: "hang" };

/** Runs `call` with a bound: its outcome, never throwing. */
export async function outcomeOf(
  call: () => Promise<unknown>,
  boundMs: number,
): Promise<CallOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<CallOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "hang" }), boundMs);
  });
  const settled = (async (): Promise<CallOutcome> => {
    try {
      return { kind: "value", value: await call() };
    } catch (error) {
      return isProviderError(error)
        ? { kind: "typed", code: error.code }
        : { kind: "untyped", error };
    }
  })();
  try {
    return await Promise.race([settled, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Describes an untyped error for an assertion message (name, message head, stack head). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    return `${error.name}: ${error.message.slice(0, 300)}\n${(error.stack ?? "").split("\n").slice(1, 6).join("\n")}`;
  }
  return `non-Error thrown: ${String(error).slice(0, 300)}`;
}

/**
 * A full garbage collection, through V8's `gc` (exposed at run time: the test workers are not
 * started with `--expose-gc`).
 */
export function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

/** Samples the heap; `peak`, `baseline` and `retained` (after a full collection) in MiB. */
export class HeapGauge {
  readonly #baseline: number;
  #peak: number;

  constructor() {
    collectGarbage();
    this.#baseline = process.memoryUsage().heapUsed;
    this.#peak = this.#baseline;
  }

  /** Heap used after a full collection, less the baseline, in MiB: what the cases retained. */
  retainedMiB(): number {
    collectGarbage();
    return Math.round((process.memoryUsage().heapUsed - this.#baseline) / 2 ** 20);
  }

  sample(): void {
    this.#peak = Math.max(this.#peak, process.memoryUsage().heapUsed);
  }

  get peakMiB(): number {
    return Math.round(this.#peak / 2 ** 20);
  }

  get baselineMiB(): number {
    return Math.round(this.#baseline / 2 ** 20);
  }
}

/** Tally of outcomes for the summary line. */
export class Tally {
  readonly counts = new Map<string, number>();
  add(outcome: CallOutcome): void {
    const key = outcome.kind === "typed" ? `typed:${outcome.code}` : outcome.kind;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  get calls(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }
  summary(): string {
    return [...this.counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
  }
}
