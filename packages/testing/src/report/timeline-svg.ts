/**
 * One resource's jobs drawn on a time axis as SVG: provision and deprovision jobs as bars,
 * jobs that ran at the same time pushed into separate lanes and outlined in red, so an
 * overlap (E1) is visible at a glance; marks (spec changes, deletions, crashes, finalizer
 * releases) as labelled vertical lines.
 *
 * @module
 */
import type { ResourceTimeline, TimelineJob } from "../conformance/types.js";
import { escapeXml } from "./escape.js";

const WIDTH = 960;
const LEFT = 8;
const RIGHT = 8;
const LANE = 22;
const TOP = 18;
const AXIS = 18;

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

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
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
  const placed = placeJobs(timeline.jobs, horizon);
  const lanes = Math.max(1, ...placed.map((p) => p.lane + 1));
  const height = TOP + lanes * LANE + AXIS;
  const parts: string[] = [];
  for (const { job, lane, overlap } of placed) {
    const x0 = x(job.start);
    const x1 = Math.max(x0 + 3, x(endOf(job, horizon)));
    const y = TOP + lane * LANE;
    const classes = [
      "job",
      job.operation,
      job.outcome ?? "active",
      ...(overlap ? ["overlap"] : []),
    ].join(" ");
    const label = `#${job.id}${shortVersion(job.configVersion)}`;
    const title =
      `${job.operation} job ${job.id}${job.configVersion ? ` (${job.configVersion})` : ""}: ` +
      `${seconds(job.start)} → ${job.end === undefined ? "still active" : seconds(job.end)}` +
      `${job.outcome ? `, ${job.outcome}` : ""}${overlap ? " — OVERLAPS another job" : ""}`;
    parts.push(
      `<g class="${classes}" data-job-id="${escapeXml(job.id)}" data-operation="${job.operation}" ` +
        `data-overlap="${overlap}"><title>${escapeXml(title)}</title>` +
        `<rect x="${x0.toFixed(1)}" y="${y}" width="${(x1 - x0).toFixed(1)}" height="${LANE - 6}" rx="3"/>` +
        `<text x="${(x0 + 4).toFixed(1)}" y="${y + LANE - 11}">${escapeXml(label)}</text></g>`,
    );
  }
  for (const mark of timeline.marks) {
    const mx = x(mark.at).toFixed(1);
    parts.push(
      `<g class="mark"><title>${escapeXml(`${seconds(mark.at)}: ${mark.label}`)}</title>` +
        `<line x1="${mx}" x2="${mx}" y1="4" y2="${height - AXIS}"/>` +
        `<text x="${mx}" y="12">${escapeXml(mark.label)}</text></g>`,
    );
  }
  const axisY = height - AXIS + 12;
  parts.push(
    `<g class="axis"><text x="${LEFT}" y="${axisY}">0 s</text>` +
      `<text x="${WIDTH - RIGHT}" y="${axisY}" text-anchor="end">${seconds(horizon)}</text></g>`,
  );
  return (
    `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" ` +
    `width="${WIDTH}" height="${height}" data-resource="${escapeXml(timeline.resourceKey)}" ` +
    `role="img" aria-label="${escapeXml(`jobs of ${timeline.resourceKey}`)}">${parts.join("")}</svg>`
  );
}
