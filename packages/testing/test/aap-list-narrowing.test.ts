import { describe, expect, it } from "vitest";
import type { AapSimulator, VirtualClock } from "@provisionkit/testing";
import { body, call, V2, type Reply, withAap } from "./aap-support.js";

let clock: VirtualClock, aap: AapSimulator, url: string, t0: number;
withAap((sim) => ({ clock, aap, url, t0 } = sim));

const ids = (reply: Reply) => (body(reply).results as { id: number }[]).map((job) => job.id);
const iso = (ms: number) => encodeURIComponent(new Date(t0 + ms).toISOString());

async function launch(template: number): Promise<number> {
  const reply = await call(url, `${V2}job_templates/${template}/launch/`, { body: {} });
  return body(reply).id as number;
}

// The job list narrows the jobs it serializes by job_template, id and created bounds before
// filtering (handlers/jobs.ts): the answers must be the ones the filters alone give.
describe("AAP simulator: job lists narrowed before serializing", () => {
  it("pages a findJob-style lookup back with id__lt, as the full filtering does", async () => {
    const a = aap.addJobTemplate({ name: "a", allowSimultaneous: true });
    const b = aap.addJobTemplate({ name: "b", allowSimultaneous: true });
    const launched: { id: number; template: number; at: number }[] = [];
    for (let i = 0; i < 12; i++) {
      clock.set(t0 + i * 1000);
      const template = i % 3 === 0 ? b : a;
      launched.push({ id: await launch(template), template, at: i * 1000 });
    }
    const ofA = launched.filter((job) => job.template === a);
    const expected = (since: number, below: number) =>
      ofA
        .filter((job) => job.at >= since && job.id < below)
        .map((job) => job.id)
        .reverse();
    const query = (since: number, below: number, extra = "") =>
      call(
        url,
        `${V2}jobs/?job_template=${a}&created__gte=${iso(since)}&id__lt=${below}&order_by=-id&page_size=3${extra}`,
      );
    const cut = ofA[5]!.id;
    const first = await query(2000, cut);
    expect(ids(first)).toEqual(expected(2000, cut).slice(0, 3));
    expect(body(first).count).toBe(expected(2000, cut).length);
    expect(ids(await query(2000, cut, "&page=2"))).toEqual(expected(2000, cut).slice(3, 6));
    // A bound equal to a job's creation keeps it with gte and drops it with gt.
    const at4 = launched[4]!;
    expect(
      ids(await call(url, `${V2}jobs/?created__gte=${iso(at4.at)}&id__lte=${at4.id}`)),
    ).toEqual([at4.id]);
    expect(ids(await call(url, `${V2}jobs/?created__gt=${iso(at4.at)}&id__lte=${at4.id}`))).toEqual(
      [],
    );
    // id, id__gt, id__gte and the exact template key.
    expect(ids(await call(url, `${V2}jobs/?id=${at4.id}`))).toEqual([at4.id]);
    expect(ids(await call(url, `${V2}jobs/?id__gt=${launched[10]!.id}`))).toEqual([
      launched[11]!.id,
    ]);
    expect(
      ids(await call(url, `${V2}jobs/?id__gte=${launched[11]!.id}&job_template__exact=${b}`)),
    ).toEqual([]);
    expect(ids(await call(url, `${V2}jobs/?job_template__exact=${b}&order_by=id`))).toEqual(
      launched.filter((job) => job.template === b).map((job) => job.id),
    );
  });

  it("answers id-ordered lists chosen on the records as the general path does", async () => {
    const a = aap.addJobTemplate({ name: "a", allowSimultaneous: true });
    const b = aap.addJobTemplate({ name: "b", allowSimultaneous: true });
    const launched: number[] = [];
    for (let i = 0; i < 9; i++) {
      clock.set(t0 + i * 1000 + 0.5);
      launched.push(await launch(i % 2 === 0 ? a : b));
    }
    aap.purgeJob(launched[2]!);
    const queries = [
      "",
      "order_by=-id&page_size=2",
      "order_by=-id&page_size=2&page=3",
      "order_by=id&page=last&page_size=4",
      `job_template=${a}&order_by=-id&page_size=200`,
      `job_template__exact=${b}&id__gte=${launched[3]!}`,
      `created__gte=${iso(3000)}&created__lt=${iso(6000)}`,
      `created__gt=${iso(3000)}&created__lte=${iso(6000)}&order_by=-id`,
      `id__lte=${launched[6]!}&id__gt=${launched[1]!}&count_disabled=1`,
      `id=${launched[4]!}&id__exact=${launched[4]!}`,
    ];
    for (const query of queries) {
      // `description=` keeps every job (theirs is "") and sends the request down the general
      // path: serialize, filter, order, page.
      const general = body(await call(url, `${V2}jobs/?${query}&description=`));
      const byRecord = body(await call(url, `${V2}jobs/?${query}`));
      expect([query, byRecord.count, byRecord.results]).toEqual([
        query,
        general.count,
        general.results,
      ]);
      expect(byRecord.results).not.toHaveLength(0);
      if (general.next !== undefined) {
        expect(byRecord.next === null).toBe(general.next === null);
      }
    }
  });

  it("still answers bad parameters in query order when a narrowing key comes first", async () => {
    const a = aap.addJobTemplate({ name: "a" });
    await launch(a);
    // No job has template 999: the narrowing leaves nothing, the bad key still answers.
    expect((await call(url, `${V2}jobs/?job_template=999&nosuchfield=1`)).status).toBe(400);
    expect((await call(url, `${V2}jobs/?id__lt=0&extra_vars=x`)).status).toBe(403);
    expect((await call(url, `${V2}jobs/?job_template=${a}&page=2`)).status).toBe(404);
    expect((await call(url, `${V2}jobs/?created__gte=yesterday&id__lt=0`)).status).toBe(400);
  });
});
