import { describe, expect, it } from "vitest";
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
        mutator: "m",
        status: "Survived",
        original: "throw new ProviderError(`job ${job.id} still runs`, ErrorCode.Busy, true);",
        replacement: '""',
      },
    ]);
  });
});
