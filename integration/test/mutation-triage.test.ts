import { describe, expect, it } from "vitest";
import { compareRecords, mutantRecords, recordsOf } from "../../scripts/mutation-compare.mjs";
import { parseJudgements, type Judgement } from "../../scripts/mutation-judged.mjs";
import { mergeReports } from "../../scripts/mutation-merge.mjs";
import { classify, triage, type Mutant } from "../../scripts/mutation-triage.mjs";

// A provider-like source: a logger call, an error construction with a template message and a
// code, and decisions around them.
const source = [
  "export function check(job: { id: number }, logger: Logger, running: boolean) {", // 1
  "  this.logger.debug(`job ${job.id} read`, { running });", // 2
  "  if (running) {", // 3
  "    throw new ProviderError(`job ${job.id} still runs`, ErrorCode.Busy, true);", // 4
  "  }", // 5
  '  log.info("not a logger");', // 6
  '  throw new errors.NotFoundError("job " + job.id + " gone");', // 7
  '  if (job.id > 1) { this.logger.warn({ id: job.id }, "late"); }', // 8
  '  if (job.id > 2) { this.logger.warn("late"); return; }', // 9
  "}", // 10
].join("\n");

/** A mutant spanning `text` on `line` (its first occurrence there). */
function at(line: number, text: string, status: string): Mutant {
  const column = source.split("\n")[line - 1]!.indexOf(text) + 1;
  expect(column).toBeGreaterThan(0);
  return {
    location: { start: { line, column }, end: { line, column: column + text.length } },
    status,
    mutatorName: "m",
    replacement: '""',
  };
}

describe("mutation triage", () => {
  it("sets apart log-call arguments and error messages, and nothing else", () => {
    const kinds = classify(source, [
      at(2, "`job ${job.id} read`", "Survived"), // a log message
      at(2, "{ running }", "Survived"), // a log call's fields
      at(3, "running", "Survived"), // a decision
      at(4, "`job ${job.id} still runs`", "Survived"), // an error message
      at(4, "true", "Survived"), // the error's retryability: behaviour
      at(4, "ErrorCode.Busy", "Survived"), // the error's code: behaviour
      at(6, '"not a logger"', "Survived"), // `log` is not a logger name
      at(7, '"job " + job.id + " gone"', "Survived"), // a `+` message, namespaced class
      at(7, '" gone"', "Survived"), // part of it
      at(2, "this.logger.debug(`job ${job.id} read`, { running });", "Survived"), // the whole call
      at(8, "job.id > 1", "Survived"), // decides only whether a line is logged
      at(8, '{ this.logger.warn({ id: job.id }, "late"); }', "Survived"), // the body emptied
      at(9, "job.id > 2", "Survived"), // also decides a return: behaviour
    ]).map((m) => m.kind);
    expect(kinds).toEqual([
      "log",
      "log",
      "behaviour",
      "message",
      "behaviour",
      "behaviour",
      "behaviour",
      "message",
      "message",
      "behaviour", // removing the call is wider than its arguments
      "log",
      "log",
      "behaviour",
    ]);
  });

  it("scores every mutant and the behaviour mutants alone, and lists behaviour survivors", () => {
    const result = triage({
      files: {
        "p.ts": {
          source,
          mutants: [
            at(2, "`job ${job.id} read`", "Survived"),
            at(4, "`job ${job.id} still runs`", "NoCoverage"),
            at(3, "running", "Killed"),
            at(4, "true", "Timeout"),
            at(4, "ErrorCode.Busy", "Survived"),
            at(6, '"not a logger"', "CompileError"),
          ],
        },
      },
    });
    expect(result.all).toEqual({ detected: 2, valid: 5, score: 40 });
    expect(result.behaviour).toEqual({ detected: 2, valid: 3, score: (100 * 2) / 3 });
    expect([result.log, result.message]).toEqual([1, 1]);
    expect(result.files[0]!.survivors).toEqual([
      {
        file: "p.ts",
        line: 4,
        column: at(4, "ErrorCode.Busy", "Survived").location.start.column,
        mutator: "m",
        status: "Survived",
        original: "throw new ProviderError(`job ${job.id} still runs`, ErrorCode.Busy, true);",
        replacement: '""',
      },
    ]);
  });

  it("sets judged survivors apart, and says which judgements the suite contradicts or no mutant needs", () => {
    const judgements: Judgement[] = [
      // Narrowed by line text and mutator: the decision on line 3 only.
      { file: "p.ts", source: "if (running)", mutator: "m", verdict: "equivalent", reason: "r1" },
      // Narrowed by replacement: the code on line 4, whatever its mutator.
      {
        file: "p.ts",
        source: "ErrorCode.Busy",
        replacement: "undefined",
        verdict: "outside-contract",
        reason: "r2",
      },
      { file: "p.ts", source: "no such line", verdict: "equivalent", reason: "stale" },
      { file: "other.ts", verdict: "equivalent", reason: "a file this report does not have" },
    ];
    const mutants = [
      at(3, "running", "Survived"), // judged equivalent
      at(4, "ErrorCode.Busy", "Survived"), // replacement '""', not covered
      { ...at(4, "ErrorCode.Busy", "Killed"), replacement: "undefined" }, // covered, but caught
      at(4, "true", "Survived"), // unjudged
      at(2, "`job ${job.id} read`", "Survived"), // a log call: never judged
    ];
    const result = triage({ files: { "p.ts": { source, mutants } } }, judgements);
    expect(result.behaviour).toEqual({ detected: 1, valid: 4, score: 25 });
    expect(result.unjudged).toEqual({ detected: 0, valid: 2, score: 0 });
    expect(result.judged).toEqual({ equivalent: 1, outsideContract: 1 });
    expect(result.files[0]!.survivors.map((v) => v.original)).toEqual([
      "throw new ProviderError(`job ${job.id} still runs`, ErrorCode.Busy, true);",
      "throw new ProviderError(`job ${job.id} still runs`, ErrorCode.Busy, true);",
    ]);
    expect(result.contradicted).toEqual([
      expect.objectContaining({ line: 4, status: "Killed", judgement: judgements[1] }),
    ]);
    expect(result.stale).toEqual([judgements[2]]);
    // Without judgements, nothing is set apart.
    expect(triage({ files: { "p.ts": { source, mutants } } }).unjudged).toEqual(result.behaviour);
  });

  it("tells two mutants alike but for their column apart by a judgement's column", () => {
    const judged: Judgement = {
      file: "p.ts",
      source: "ErrorCode.Busy",
      column: at(4, "ErrorCode.Busy", "Survived").location.start.column,
      verdict: "outside-contract",
      reason: "r",
    };
    const mutants = [
      at(4, "ErrorCode.Busy", "Survived"), // covered: its column
      at(4, "true", "Killed"), // same line, mutator and replacement, another column
    ];
    const result = triage({ files: { "p.ts": { source, mutants } } }, [judged]);
    expect(result.judged).toEqual({ equivalent: 0, outsideContract: 1 });
    expect(result.contradicted).toEqual([]);
    expect(result.unjudged).toEqual({ detected: 1, valid: 1, score: 100 });
    // Without the column, the judgement covers the caught one too: contradicted.
    const { column: _column, ...wide } = judged;
    expect(triage({ files: { "p.ts": { source, mutants } } }, [wide]).contradicted).toHaveLength(1);
  });

  it("refuses a judgement without a reason, with an unknown verdict or an unknown field", () => {
    const ok = { file: "p.ts", verdict: "equivalent", reason: "why" };
    expect(parseJudgements({ judgements: [ok] })).toEqual([ok]);
    expect(() => parseJudgements({})).toThrow(/needs a `judgements` array/);
    expect(() => parseJudgements({ judgements: [{ ...ok, reason: " " }] })).toThrow(
      "judged.json: judgements[0].reason: required, a non-empty string",
    );
    expect(() => parseJudgements({ judgements: [ok, { ...ok, verdict: "fine" }] })).toThrow(
      /judgements\[1\]\.verdict: must be one of equivalent, outside-contract/,
    );
    expect(() => parseJudgements({ judgements: [{ ...ok, line: 3 }] })).toThrow(
      /judgements\[0\]\.line: unknown field/,
    );
    expect(() => parseJudgements({ judgements: [{ ...ok, source: 3 }] })).toThrow(
      /\.source: must be a string/,
    );
    expect(parseJudgements({ judgements: [{ ...ok, column: 7 }] })).toEqual([{ ...ok, column: 7 }]);
    expect(() => parseJudgements({ judgements: [{ ...ok, column: 0 }] })).toThrow(
      /\.column: must be an integer from 1/,
    );
  });

  it("compares two runs mutant by mutant, whatever lines moved", () => {
    const before = {
      files: {
        "p.ts": {
          source,
          mutants: [
            at(3, "running", "Survived"),
            at(4, "true", "Killed"),
            at(4, "ErrorCode.Busy", "NoCoverage"),
            at(8, "job.id > 1", "Survived"),
          ],
        },
      },
    };
    // The same code two lines further down, one mutant gone, one new.
    const shifted = `// a\n// b\n${source}`;
    const move = (m: Mutant, status: string): Mutant => ({
      ...m,
      status,
      location: {
        start: { ...m.location.start, line: m.location.start.line + 2 },
        end: { ...m.location.end, line: m.location.end.line + 2 },
      },
    });
    const [running, code, busy] = before.files["p.ts"].mutants;
    const now = {
      files: {
        "p.ts": {
          source: shifted,
          mutants: [
            move(running!, "Killed"),
            move(code!, "Survived"),
            move(busy!, "Timeout"),
            move(at(9, "job.id > 2", "Survived"), "Survived"),
          ],
        },
      },
    };
    const saved = JSON.parse(JSON.stringify({ records: mutantRecords(before) })) as unknown;
    const diff = compareRecords(recordsOf(saved), mutantRecords(now));
    expect(diff.caught.map((m) => [m.line, m.before, m.status])).toEqual([
      [5, "Survived", "Killed"],
      [6, "NoCoverage", "Timeout"],
    ]);
    expect(diff.lost.map((m) => [m.line, m.before, m.status])).toEqual([[6, "Killed", "Survived"]]);
    expect([diff.onlyBefore, diff.onlyNow]).toEqual([1, 1]);
    expect(() => recordsOf({})).toThrow(TypeError);
  });

  it("lays a run of some lines over an earlier run, by line text, whatever lines moved", () => {
    const before = ["a();", "if (x) b();", "c();"].join("\n");
    const now = ["// new first line", "a();", "if (x) b();", "c();"].join("\n");
    const mutant = (line: number, status: string, replacement = "true"): Mutant => ({
      location: { start: { line, column: 5 }, end: { line, column: 6 } },
      status,
      mutatorName: "ConditionalExpression",
      replacement,
    });
    const old = {
      files: {
        "f.ts": {
          source: before,
          mutants: [mutant(2, "Survived"), mutant(2, "Killed", "false"), mutant(3, "Killed")],
        },
        "g.ts": { source: "d();", mutants: [mutant(1, "Survived")] },
      },
    };
    // The new run measured line 3 of f.ts again (line 2 before) for one mutant, and g.ts whole.
    const fresh = {
      files: {
        "f.ts": { source: now, mutants: [mutant(3, "Killed")] },
        "g.ts": { source: "d();", mutants: [mutant(1, "Killed")] },
      },
    };
    const merged = mergeReports(fresh, new Set(["g.ts"]), [old], (file) =>
      file === "f.ts" ? now : "d();",
    );
    const f = merged.files["f.ts"]!;
    expect(f.source).toBe(now);
    expect(f.mutants.map((m) => [m.location.start.line, m.replacement, m.status])).toEqual([
      [3, "false", "Killed"], // kept, moved a line down
      [4, "true", "Killed"], // kept, moved
      [3, "true", "Killed"], // measured again: the new status replaces "Survived"
    ]);
    expect(merged.files["g.ts"]!.mutants.map((m) => m.status)).toEqual(["Killed"]);
    // A line the code no longer has cannot keep an old status.
    expect(() => mergeReports({ files: {} }, new Set(), [old], () => "other();")).toThrow(
      /f\.ts:2: line no longer in the source: if \(x\) b\(\);/,
    );
  });
});
