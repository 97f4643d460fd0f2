/**
 * One resource's jobs drawn on a time axis as SVG: provision and deprovision jobs as bars,
 * jobs that ran at the same time pushed into separate lanes and outlined in red, so an
 * overlap (E1) is visible at a glance; marks (spec changes, deletions, crashes, finalizer
 * releases) as labelled vertical lines, their labels on as many rows as it takes for no two to
 * overlap, none clipped at the right edge; an axis with ticks at 1, 2 or 5 × 10^k ms.
 *
 * @module
 */
import type { ResourceTimeline, TimelineJob } from "../conformance/types.js";
import { escapeXml } from "./escape.js";

const WIDTH = 960;
const LEFT = 8;
const RIGHT = 8;
const LANE = 22;
const AXIS = 18;
/** Height of one row of mark labels above the bars. */
const LABEL_ROW = 13;
/** Horizontal room between two labels on a row. */
const LABEL_GAP = 6;
/** Advance of one character of the 11 px monospace labels (6.6 px in common fonts), rounded up. */
const CHAR_WIDTH = 7;

/** A job placed on a lane, with whether it overlaps another job. */
interface Placed {
  job: TimelineJob;
  lane: number;
  overlap: boolean;
}

function endOf(job: TimelineJob, horizon: number): number {
  return job.end ?? horizon;
}

/** Greedy lanes: a job goes to the first lane free at its start; overlaps are flagged. */
export function placeJobs(jobs: readonly TimelineJob[], horizon: number): Placed[] {
  const sorted = [...jobs].sort((a, b) => a.start - b.start);
  const laneEnds: number[] = [];
  const placed: Placed[] = sorted.map((job) => {
    let lane = laneEnds.findIndex((end) => end <= job.start);
    if (lane === -1) lane = laneEnds.length;
    laneEnds[lane] = endOf(job, horizon);
    return { job, lane, overlap: false };
  });
  for (const a of placed) {
    for (const b of placed) {
      if (a === b) continue;
      if (a.job.start < endOf(b.job, horizon) && b.job.start < endOf(a.job, horizon)) {
        a.overlap = true;
      }
    }
  }
  return placed;
}

function shortVersion(version: string | undefined): string {
  if (version === undefined) return "";
  const hash = version.replace(/^sha256:/, "");
  return ` ${hash.slice(0, 8)}`;
}

/**
 * A time for people: whole seconds only where the resolution allows it, so that a job of a
 * few hundred milliseconds (the operator suite runs in real time) is never shown as `0 s`.
 */
export function formatMs(ms: number, stepMs = 1): string {
  if (ms === 0) return "0 s";
  if (stepMs < 1000 && Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  const decimals = stepMs >= 1000 ? 0 : stepMs >= 100 ? 1 : stepMs >= 10 ? 2 : 3;
  const text = (ms / 1000).toFixed(decimals);
  return `${decimals > 0 ? text.replace(/\.?0+$/, "") : text} s`;
}

/** Tick spacing: 1, 2 or 5 × 10^k ms, for at most about `count` ticks over `horizon`. */
export function tickStep(horizon: number, count = 8): number {
  const raw = Math.max(horizon / count, 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * power).find((candidate) => candidate >= raw);
  return step ?? 10 * power;
}

/** Width of `text` in the 11 px monospace font of the timeline (a generous estimate). */
export function labelWidth(text: string): number {
  return text.length * CHAR_WIDTH;
}

/** A label placed on a row: the box it occupies. */
export interface PlacedLabel {
  /** The label. */
  text: string;
  /** Row, 0 at the top. */
  row: number;
  /** Left edge of its box. */
  x0: number;
  /** Right edge of its box. */
  x1: number;
  /** Where the text is anchored (its `x`), and how. */
  x: number;
  /** `start` when the label runs right of `x`, `end` when it runs left (at the right edge). */
  anchor: "start" | "end";
}

/**
 * Places labels wanting to sit at `xs` on rows so that no two boxes on a row overlap (with a
 * gap) and none runs past `[minX, maxX]`: a label runs right of its x, or left of it when it
 * would pass `maxX`; each goes on the first row where it fits (greedy, in x order).
 */
export function placeLabels(
  labels: readonly { text: string; x: number }[],
  minX: number,
  maxX: number,
): PlacedLabel[] {
  const rows: number[][] = []; // per row, the [x0, x1] boxes already placed, flattened
  const order = labels.map((label, index) => ({ ...label, index })).sort((a, b) => a.x - b.x);
  const placed: PlacedLabel[] = new Array<PlacedLabel>(labels.length);
  for (const label of order) {
    const width = labelWidth(label.text);
    const anchor: "start" | "end" = label.x + width > maxX ? "end" : "start";
    let x0 = anchor === "start" ? label.x : label.x - width;
    if (x0 < minX) x0 = minX;
    const x1 = x0 + width;
    let row = rows.findIndex((boxes) => {
      for (let i = 0; i < boxes.length; i += 2) {
        if (x0 < boxes[i + 1]! + LABEL_GAP && boxes[i]! < x1 + LABEL_GAP) return false;
      }
      return true;
    });
    if (row === -1) row = rows.push([]) - 1;
    rows[row]!.push(x0, x1);
    placed[label.index] = {
      text: label.text,
      row,
      x0,
      x1,
      x: anchor === "start" ? x0 : x1,
      anchor,
    };
  }
  return placed;
}

/** The label of a job that fits in front of the next bar of its lane, shortened if need be. */
function fitted(label: string, room: number): string | undefined {
  const chars = Math.floor(room / CHAR_WIDTH);
  if (chars >= label.length) return label;
  if (chars < 3) return undefined; // the job's <title> still names it
  return `${label.slice(0, chars - 1)}…`;
}

/** The SVG of one resource's timeline over `[0, horizon]` virtual ms. */
export function renderTimelineSvg(timeline: ResourceTimeline, horizonMs: number): string {
  const horizon = Math.max(
    1,
    horizonMs,
    ...timeline.jobs.map((j) => j.end ?? j.start),
    ...timeline.marks.map((m) => m.at),
  );
  const x = (ms: number) => LEFT + (ms / horizon) * (WIDTH - LEFT - RIGHT);
  const step = tickStep(horizon);
  const labels = placeLabels(
    timeline.marks.map((mark) => ({ text: mark.label, x: x(mark.at) + 2 })),
    LEFT,
    WIDTH - RIGHT,
  );
  const labelRows = Math.max(1, ...labels.map((l) => l.row + 1));
  const top = labelRows * LABEL_ROW + 6;
  const placed = placeJobs(timeline.jobs, horizon);
  const lanes = Math.max(1, ...placed.map((p) => p.lane + 1));
  const height = top + lanes * LANE + AXIS;
  const parts: string[] = [];
  for (const { job, lane, overlap } of placed) {
    const x0 = x(job.start);
    const x1 = Math.max(x0 + 3, x(endOf(job, horizon)));
    const y = top + lane * LANE;
    const classes = [
      "job",
      job.operation,
      job.outcome ?? "active",
      ...(overlap ? ["overlap"] : []),
    ].join(" ");
    // The label may run past a short bar, up to the next bar on its lane (or the edge).
    const next = placed
      .filter((p) => p.lane === lane && p.job.start > job.start)
      .map((p) => x(p.job.start));
    const room = Math.min(WIDTH - RIGHT, ...next) - x0 - 6;
    const label = fitted(`#${job.id}${shortVersion(job.configVersion)}`, room);
    const title =
      `${job.operation} job ${job.id}${job.configVersion ? ` (${job.configVersion})` : ""}: ` +
      `${formatMs(job.start)} → ${job.end === undefined ? "still active" : formatMs(job.end)}` +
      `${job.end === undefined ? "" : ` (${formatMs(job.end - job.start)})`}` +
      `${job.outcome ? `, ${job.outcome}` : ""}${overlap ? " — OVERLAPS another job" : ""}`;
    parts.push(
      `<g class="${classes}" data-job-id="${escapeXml(job.id)}" data-operation="${job.operation}" ` +
        `data-overlap="${overlap}"><title>${escapeXml(title)}</title>` +
        `<rect x="${x0.toFixed(1)}" y="${y}" width="${(x1 - x0).toFixed(1)}" height="${LANE - 6}" rx="3"/>` +
        (label === undefined
          ? ""
          : `<text class="label" x="${(x0 + 4).toFixed(1)}" y="${y + LANE - 11}">${escapeXml(label)}</text>`) +
        "</g>",
    );
  }
  timeline.marks.forEach((mark, index) => {
    const mx = x(mark.at).toFixed(1);
    const label = labels[index]!;
    const ly = 12 + label.row * LABEL_ROW;
    parts.push(
      `<g class="mark"><title>${escapeXml(`${formatMs(mark.at)}: ${mark.label}`)}</title>` +
        `<line x1="${mx}" x2="${mx}" y1="${ly + 3}" y2="${height - AXIS}"/>` +
        `<text class="label" x="${label.x.toFixed(1)}" y="${ly}"${label.anchor === "end" ? ' text-anchor="end"' : ""}>` +
        `${escapeXml(mark.label)}</text></g>`,
    );
  });
  const axisY = height - AXIS + 12;
  const ticks: string[] = [];
  for (let at = 0; at <= horizon + 1e-9; at += step) {
    const tx = x(at);
    const text = formatMs(at, step);
    // The last tick's label ends at the edge; one too close to the edge is left out.
    const anchor =
      tx + labelWidth(text) / 2 > WIDTH - RIGHT ? "end" : at === 0 ? "start" : "middle";
    ticks.push(
      `<line x1="${tx.toFixed(1)}" x2="${tx.toFixed(1)}" y1="${height - AXIS}" y2="${height - AXIS + 3}"/>` +
        `<text class="tick" x="${(anchor === "end" ? WIDTH - RIGHT : tx).toFixed(1)}" y="${axisY}"` +
        `${anchor === "start" ? "" : ` text-anchor="${anchor}"`}>${text}</text>`,
    );
    if (anchor === "end") break;
  }
  parts.push(`<g class="axis">${ticks.join("")}</g>`);
  return (
    `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" ` +
    `width="${WIDTH}" height="${height}" data-resource="${escapeXml(timeline.resourceKey)}" ` +
    `role="img" aria-label="${escapeXml(`jobs of ${timeline.resourceKey}`)}">${parts.join("")}</svg>`
  );
}
