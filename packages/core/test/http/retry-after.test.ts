import { describe, expect, it } from "vitest";
import { kebabCase } from "@provisionkit/core";
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from "@provisionkit/core/http";

const NOW = Date.parse("Tue, 01 Oct 2024 10:00:00 GMT");

describe("parseRetryAfter", () => {
  it("reads delay seconds, fractions rounded up to the millisecond", () => {
    expect(parseRetryAfter("0", NOW)).toBe(0);
    expect(parseRetryAfter(" 2 ", NOW)).toBe(2000);
    expect(parseRetryAfter("1.5", NOW)).toBe(1500);
    expect(parseRetryAfter("0.0001", NOW)).toBe(1);
  });

  it("reads an HTTP date relative to now; a past date is 0", () => {
    expect(parseRetryAfter("Tue, 01 Oct 2024 10:00:30 GMT", NOW)).toBe(30_000);
    expect(parseRetryAfter("Tue, 01 Oct 2024 09:00:00 GMT", NOW)).toBe(0);
  });

  it("ignores an absent, empty or junk header", () => {
    for (const junk of [undefined, "", "  ", "-1", "soon", "1e3", "12abc", "+5"]) {
      expect(parseRetryAfter(junk, NOW)).toBeUndefined();
    }
  });

  it("clamps an absurd header to a day, so now + delay is still a valid date", () => {
    for (const absurd of ["100000000000000", "9".repeat(400), "Fri, 31 Dec 9999 23:59:59 GMT"]) {
      const ms = parseRetryAfter(absurd, NOW);
      expect(ms).toBe(MAX_RETRY_AFTER_MS);
      expect(Number.isNaN(new Date(NOW + ms!).getTime())).toBe(false);
    }
    expect(MAX_RETRY_AFTER_MS).toBe(24 * 60 * 60 * 1000);
    expect(parseRetryAfter(String(MAX_RETRY_AFTER_MS / 1000 - 1), NOW)).toBe(
      MAX_RETRY_AFTER_MS - 1000,
    );
  });
});

describe("kebabCase (core root)", () => {
  it.each([
    ["ComputeInstance", "compute-instance"],
    ["VMSnapshot", "vm-snapshot"],
    ["hostPool", "host-pool"],
    ["S3Bucket", "s3-bucket"],
    ["my_kind Name", "my-kind-name"],
    ["widget", "widget"],
  ])("%s → %s", (kind, expected) => {
    expect(kebabCase(kind)).toBe(expected);
  });
});
