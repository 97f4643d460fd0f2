/**
 * What the demo reads from the operator's own server at the end, as a person operating it
 * would: `/healthz` and `/readyz`, a scrape of `/metrics` cut down to the series that say
 * what the operator did, and `provisionkit explain` of one resource.
 */
import { explainResource, renderExplain, type ResourceObject } from "@provisionkit/core";
import type { OperatorServer } from "@provisionkit/core/kubernetes";
import type { Cell } from "./console.js";

/** An HTTP answer of the operator's server. */
export interface Answer {
  status: number;
  body: string;
}

/** `GET <server><path>`. */
export async function probe(server: OperatorServer, path: string): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, body: await response.text() };
}

/**
 * The series of a scrape worth showing after the story, by metric name (a histogram by its
 * `_count` and `_sum`; buckets, `rest_client_*` and the process metrics are left out).
 */
const SHOWN: readonly string[] = [
  "controller_runtime_reconcile_total",
  "controller_runtime_reconcile_errors_total",
  "controller_runtime_reconcile_time_seconds_count",
  "controller_runtime_active_workers",
  "workqueue_adds_total",
  "workqueue_depth",
  "provisionkit_reconcile_total",
  "provisionkit_jobs_launched_total",
  "provisionkit_jobs_finished_total",
  "provisionkit_job_duration_seconds_count",
  "provisionkit_job_duration_seconds_sum",
  "provisionkit_time_to_ready_seconds_count",
  "provisionkit_time_to_ready_seconds_sum",
  "provisionkit_deletion_duration_seconds_count",
  "provisionkit_deletion_duration_seconds_sum",
  "provisionkit_watch_restarts_total",
];

/** The lines of a Prometheus exposition text that {@link SHOWN} names, in its order. */
export function shownSeries(exposition: string): string[] {
  const lines = exposition.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
  const nameOf = (line: string): string => line.split(/[{ ]/, 1)[0] ?? "";
  return SHOWN.flatMap((name) =>
    lines
      .filter((line) => nameOf(line) === name)
      .map((line) => {
        // Sums of seconds to the millisecond: the float noise says nothing.
        const space = line.lastIndexOf(" ");
        const value = Number(line.slice(space + 1));
        return name.endsWith("_sum") && Number.isFinite(value)
          ? `${line.slice(0, space)} ${Number(value.toFixed(3))}`
          : line;
      }),
  );
}

/** The value of one series (`name{labels}`, exactly as scraped) in an exposition text. */
export function sampleOf(exposition: string, series: string): number | undefined {
  for (const line of exposition.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

/**
 * What `provisionkit explain <kind>/<name>` prints for `object` (the same two calls the
 * command makes, on an object already read).
 */
export function explainText(object: ResourceObject, now = Date.now()): string {
  return renderExplain(explainResource(object, { now }));
}

/** What the operator's server and status said at the end of a story. */
export interface OperationsReport {
  /** The server's base URL. */
  url: string;
  /** `/healthz` and `/readyz` while the operator still ran. */
  healthz: Answer;
  readyz: Answer;
  /** The `/metrics` exposition text once the operator had stopped (every hook called). */
  scrape: string;
  /** `provisionkit explain` of the resource asked for, when it still existed. */
  explain?: { target: string; text: string };
}

/**
 * Asks the running operator's server for `/healthz` and `/readyz`, explains `explain` (read
 * with `read`), stops the controller (its reconciles under way finish, so every metrics
 * hook has been called) and scrapes `/metrics`. The server is left running: stop it after.
 */
export async function readOperations(
  operator: { controller: { stop(): Promise<void> }; server: OperatorServer },
  explain?: { target: string; read: () => Promise<ResourceObject | undefined> },
): Promise<OperationsReport> {
  const { server } = operator;
  const healthz = await probe(server, "/healthz");
  const readyz = await probe(server, "/readyz");
  const object = await explain?.read();
  await operator.controller.stop();
  const scrape = (await probe(server, "/metrics")).body;
  return {
    url: server.url,
    healthz,
    readyz,
    scrape,
    ...(explain && object
      ? { explain: { target: explain.target, text: explainText(object) } }
      : {}),
  };
}

/**
 * The lines that show a {@link OperationsReport}: health, the scrape's {@link shownSeries},
 * and the explain output.
 */
export function operationsLines(
  report: OperationsReport,
  paint: (cell: Cell) => string,
  note = "",
): string[] {
  const body = (answer: Answer): string[] =>
    answer.body
      .trimEnd()
      .split("\n")
      .map((line) => `    ${line}`);
  const lines = [
    paint({ text: "Health, while the operator ran:", tone: "bold" }),
    `  GET ${report.url}/healthz → ${report.healthz.status}`,
    ...body(report.healthz),
    `  GET ${report.url}/readyz → ${report.readyz.status}`,
    ...body(report.readyz),
    "",
    paint({
      text: `Metrics: GET ${report.url}/metrics once the operator stopped${note}`,
      tone: "bold",
    }),
    ...shownSeries(report.scrape).map((line) => `  ${line}`),
  ];
  if (report.explain) {
    lines.push(
      "",
      paint({ text: `$ provisionkit explain ${report.explain.target}`, tone: "bold" }),
      ...report.explain.text
        .trimEnd()
        .split("\n")
        .map((line) => (line === "" ? "" : `  ${line}`)),
    );
  }
  return lines;
}
