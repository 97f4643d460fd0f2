import { describe, expect, it } from "vitest";
import { silentLogger, type Logger } from "../src/index.ts";

describe("Logger", () => {
  it("silentLogger accepts every level and returns nothing", () => {
    for (const level of ["debug", "info", "warn", "error"] as const) {
      expect(silentLogger[level]({ a: 1 }, "message")).toBeUndefined();
    }
    expect(Object.isFrozen(silentLogger)).toBe(true);
  });

  it("a pino-style logger with overloaded methods is assignable", () => {
    const lines: string[] = [];
    function log(obj: unknown, msg?: string): void;
    function log(msg: string): void;
    function log(a: unknown, b?: string): void {
      lines.push(typeof a === "string" ? a : `${JSON.stringify(a)} ${b ?? ""}`);
    }
    const pinoLike = { debug: log, info: log, warn: log, error: log, level: "info" };
    const logger: Logger = pinoLike;
    logger.warn({ retry: 2 }, "retrying");
    expect(lines).toEqual(['{"retry":2} retrying']);
  });
});
