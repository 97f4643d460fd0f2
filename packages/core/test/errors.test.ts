import { beforeAll, describe, expect, it } from "vitest";
import * as one from "@provisionkit/core";
import {
  AbortedError,
  AuthenticationError,
  ConfigurationError,
  ContractViolationError,
  ErrorCode,
  InvalidResponseError,
  JobNotFoundError,
  JobOwnershipError,
  MAX_RETRY_AFTER_MS,
  ProviderError,
  RateLimitError,
  TimeoutError,
  TransientError,
  clampRetryAfterMs,
  hasErrorCode,
  isOutcomeUnknown,
  isProviderError,
  toErrorRecord,
  type ProviderErrorOptions,
} from "@provisionkit/core";

type Make = (message: string, options?: ProviderErrorOptions) => ProviderError;

// Class, constructor adapter, and the stable code and default flags (written out literally).
const classes: [
  string,
  abstract new (...args: never[]) => ProviderError,
  Make,
  string,
  boolean,
  boolean,
][] = [
  [
    "ProviderError",
    ProviderError,
    (m, o) => new ProviderError(m, o),
    "PROVIDER_ERROR",
    true,
    false,
  ],
  [
    "RateLimitError",
    RateLimitError,
    (m, o) => new RateLimitError(m, 1_000, o),
    "RATE_LIMITED",
    true,
    false,
  ],
  [
    "JobNotFoundError",
    JobNotFoundError,
    (m, o) => new JobNotFoundError("j-1", m, o),
    "JOB_NOT_FOUND",
    false,
    false,
  ],
  [
    "JobOwnershipError",
    JobOwnershipError,
    (m, o) => new JobOwnershipError("j-1", m ?? "j-1 belongs to another resource", o),
    "JOB_NOT_OWNED",
    false,
    false,
  ],
  [
    "ConfigurationError",
    ConfigurationError,
    (m, o) => new ConfigurationError(m, o),
    "CONFIGURATION",
    false,
    false,
  ],
  [
    "AuthenticationError",
    AuthenticationError,
    (m, o) => new AuthenticationError(m, o),
    "AUTHENTICATION",
    false,
    false,
  ],
  ["TimeoutError", TimeoutError, (m, o) => new TimeoutError(m, 5_000, o), "TIMEOUT", true, true],
  ["TransientError", TransientError, (m, o) => new TransientError(m, o), "TRANSIENT", true, false],
  [
    "InvalidResponseError",
    InvalidResponseError,
    (m, o) => new InvalidResponseError(m, o),
    "INVALID_RESPONSE",
    true,
    false,
  ],
  [
    "ContractViolationError",
    ContractViolationError,
    (m, o) => new ContractViolationError("P4", m, o),
    "CONTRACT_VIOLATION",
    false,
    false,
  ],
  ["AbortedError", AbortedError, (m, o) => new AbortedError(m, o), "ABORTED", true, true],
];

describe("error classes", () => {
  it.each(classes)(
    "%s has its stable code and default flags",
    (name, cls, make, code, retryable, outcomeUnknown) => {
      const err = make("boom");
      expect(err).toBeInstanceOf(Error);
      expect(err).toBeInstanceOf(ProviderError);
      expect(err).toBeInstanceOf(cls);
      expect(err.name).toBe(name);
      expect(err.code).toBe(code);
      expect(err.retryable).toBe(retryable);
      expect(err.outcomeUnknown).toBe(outcomeUnknown);
      expect(err.details).toEqual({});
      expect("cause" in err).toBe(false);
      expect(isProviderError(err)).toBe(true);
      expect(hasErrorCode(err, code)).toBe(true);
    },
  );

  it("ErrorCode lists the same stable codes", () => {
    expect(Object.values(ErrorCode).sort()).toEqual(classes.map((c) => c[3]).sort());
  });

  it.each(classes)(
    "%s lets options override code and flags",
    (_name, _cls, make, code, retryable, outcomeUnknown) => {
      const err = make("boom", {
        code: "MY_CODE",
        retryable: !retryable,
        outcomeUnknown: !outcomeUnknown,
      });
      expect(err.code).toBe("MY_CODE");
      expect(err.retryable).toBe(!retryable);
      expect(err.outcomeUnknown).toBe(!outcomeUnknown);
      expect(hasErrorCode(err, code)).toBe(false);
      expect(hasErrorCode(err, "MY_CODE")).toBe(true);
    },
  );

  it("keeps cause and a frozen copy of details", () => {
    const cause = new Error("socket hang up");
    const details = { status: 503, field: "x", ok: false, none: null };
    const err = new TransientError("backend unavailable", { cause, details });
    details.status = 500;
    expect(err.cause).toBe(cause);
    expect(err.details).toEqual({ status: 503, field: "x", ok: false, none: null });
    expect(Object.isFrozen(err.details)).toBe(true);
  });

  it("toJSON and toErrorRecord carry name, code, message and retryable only", () => {
    const err = new AuthenticationError("token rejected", {
      cause: new Error("Bearer s3cr3t was refused"),
      details: { header: "s3cr3t-detail" },
    });
    const expected = {
      name: "AuthenticationError",
      code: "AUTHENTICATION",
      message: "token rejected",
      retryable: false,
    };
    expect(err.toJSON()).toStrictEqual(expected);
    expect(toErrorRecord(err)).toStrictEqual(expected);
    const text = JSON.stringify({ a: err, b: toErrorRecord(err) });
    expect(text).not.toContain("s3cr3t");
    expect(text).not.toContain("details");
  });

  it("toErrorRecord turns untyped values into retryable PROVIDER_ERROR records", () => {
    expect(toErrorRecord(new TypeError("bad"))).toStrictEqual({
      name: "TypeError",
      code: "PROVIDER_ERROR",
      message: "bad",
      retryable: true,
    });
    expect(toErrorRecord("plain string")).toStrictEqual({
      name: "Error",
      code: "PROVIDER_ERROR",
      message: "plain string",
      retryable: true,
    });
    expect(toErrorRecord(42).message).toBe("42");
  });

  it.each([
    ["negative", -5],
    ["NaN", Number.NaN],
    ["-Infinity", Number.NEGATIVE_INFINITY],
  ])("RateLimitError clamps a %s retryAfterMs to 0", (_label, value) => {
    expect(new RateLimitError("slow down", value).retryAfterMs).toBe(0);
  });

  // Issue 16, item 4: a server's absurd delay must stay a valid timer and date; an
  // unbounded wait is read as the longest one (never as "retry at once", P8).
  it.each([
    ["Infinity", Number.POSITIVE_INFINITY],
    ["1e17 (Retry-After: 100000000000000 in ms)", 100_000_000_000_000 * 1000],
    ["one day and one ms", MAX_RETRY_AFTER_MS + 1],
  ])("RateLimitError clamps a %s retryAfterMs to MAX_RETRY_AFTER_MS", (_label, value) => {
    expect(MAX_RETRY_AFTER_MS).toBe(86_400_000);
    const error = new RateLimitError("slow down", value);
    expect(error.retryAfterMs).toBe(MAX_RETRY_AFTER_MS);
    expect(new Date(Date.now() + error.retryAfterMs).toISOString()).toMatch(/^\d{4}-/);
  });

  it("clampRetryAfterMs keeps delays inside [0, MAX_RETRY_AFTER_MS]", () => {
    expect(clampRetryAfterMs(0)).toBe(0);
    expect(clampRetryAfterMs(1_500)).toBe(1_500);
    expect(clampRetryAfterMs(MAX_RETRY_AFTER_MS)).toBe(MAX_RETRY_AFTER_MS);
    expect(clampRetryAfterMs(8.64e15)).toBe(MAX_RETRY_AFTER_MS);
    expect(clampRetryAfterMs(-1)).toBe(0);
    expect(clampRetryAfterMs(Number.NaN)).toBe(0);
  });

  it("RateLimitError keeps a valid retryAfterMs", () => {
    expect(new RateLimitError("slow down", 1_500).retryAfterMs).toBe(1_500);
  });

  it("JobNotFoundError keeps the job id and names it in its default message", () => {
    const err = new JobNotFoundError("job-42");
    expect(err.jobId).toBe("job-42");
    expect(err.message).toContain("job-42");
    expect(new JobNotFoundError("job-42", "gone").message).toBe("gone");
  });

  it("TimeoutError keeps the limit when known", () => {
    expect(new TimeoutError("slow", 5_000).timeoutMs).toBe(5_000);
    expect(new TimeoutError("slow").timeoutMs).toBeUndefined();
  });

  it("ContractViolationError keeps the rule and prefixes the message with it", () => {
    const err = new ContractViolationError("P4", "reported version sha256:b");
    expect(err.rule).toBe("P4");
    expect(err.message).toBe("P4: reported version sha256:b");
  });
});

describe("isOutcomeUnknown", () => {
  it("is true for untyped errors and non-errors", () => {
    expect(isOutcomeUnknown(new Error("?"))).toBe(true);
    expect(isOutcomeUnknown("oops")).toBe(true);
    expect(isOutcomeUnknown(undefined)).toBe(true);
  });

  it("follows the typed error's flag", () => {
    expect(isOutcomeUnknown(new TimeoutError("slow"))).toBe(true);
    expect(isOutcomeUnknown(new RateLimitError("slow down", 10))).toBe(false);
    expect(isOutcomeUnknown(new ConfigurationError("bad"))).toBe(false);
    expect(isOutcomeUnknown(new TransientError("reset", { outcomeUnknown: true }))).toBe(true);
  });
});

describe("error names survive a bundler's renaming (issue 16, item 6)", () => {
  // tsup emits `var _ProviderError = class _ProviderError …`: the constructor's own name
  // changes, the source name must not. Rename each class the same way for one construction.
  it.each(classes)(
    "%s keeps its source name in name, toJSON and toErrorRecord",
    (name, cls, make) => {
      const original = Object.getOwnPropertyDescriptor(cls, "name");
      Object.defineProperty(cls, "name", { value: `_${name}`, configurable: true });
      try {
        expect(cls.name).toBe(`_${name}`);
        const err = make("boom");
        expect(err.name).toBe(name);
        expect(err.toJSON().name).toBe(name);
        expect(toErrorRecord(err).name).toBe(name);
        expect(String(err)).toBe(`${name}: ${err.message}`);
      } finally {
        if (original) Object.defineProperty(cls, "name", original);
      }
    },
  );

  it("a subclass with no brandKind of its own is named after its constructor", () => {
    class Mine extends RateLimitError {}
    expect(new Mine("slow", 1).name).toBe("Mine");
    class Branded extends ProviderError {
      static override readonly brandKind: string = "Branded";
    }
    Object.defineProperty(Branded, "name", { value: "_Branded", configurable: true });
    expect(new Branded("x").name).toBe("Branded");
  });
});

describe("isProviderError / hasErrorCode on other values", () => {
  it.each([
    ["a plain Error", new Error("x")],
    ["a look-alike object", { code: "TIMEOUT", retryable: true, outcomeUnknown: true }],
    ["null", null],
    ["a string", "TIMEOUT"],
  ])("rejects %s", (_label, value) => {
    expect(isProviderError(value)).toBe(false);
    expect(hasErrorCode(value, "TIMEOUT")).toBe(false);
  });
});

describe("user-defined subclasses", () => {
  class MyErr extends ProviderError {}

  it("work with instanceof normally", () => {
    const err = new MyErr("mine");
    expect(err).toBeInstanceOf(MyErr);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.name).toBe("MyErr");
    expect(err.code).toBe("PROVIDER_ERROR");
    expect(err).not.toBeInstanceOf(RateLimitError);
  });

  it("do not match instances of their base class or of siblings", () => {
    expect(new ProviderError("base")).not.toBeInstanceOf(MyErr);
    expect(new RateLimitError("slow down", 1)).not.toBeInstanceOf(MyErr);
  });
});

type ErrorsModule = typeof import("../src/errors.ts");

// A second, independent instance of the module, standing in for the other (ESM/CJS) build.
let two: ErrorsModule;
beforeAll(async () => {
  // @ts-expect-error -- the query string gives vitest a distinct module id; tsc cannot resolve it
  two = (await import("../src/errors.ts?copy")) as ErrorsModule;
});

describe("instanceof across two copies of the errors module", () => {
  it("really has two distinct copies of the classes", () => {
    expect(two.ProviderError).not.toBe(one.ProviderError);
    expect(two.RateLimitError).not.toBe(one.RateLimitError);
    const other = new two.RateLimitError("slow down", 10);
    // Without the brand, the plain prototype check fails across copies.
    expect(Object.prototype.isPrototypeOf.call(one.ProviderError.prototype, other)).toBe(false);
  });

  it("recognises the base class and the matching subclass in both directions", () => {
    const fromTwo = new two.RateLimitError("slow down", 10);
    expect(fromTwo instanceof one.ProviderError).toBe(true);
    expect(fromTwo instanceof one.RateLimitError).toBe(true);
    const fromOne = new one.JobNotFoundError("j-1");
    expect(fromOne instanceof two.ProviderError).toBe(true);
    expect(fromOne instanceof two.JobNotFoundError).toBe(true);
  });

  it("does not recognise a non-matching subclass", () => {
    const fromTwo = new two.RateLimitError("slow down", 10);
    expect(fromTwo instanceof one.JobNotFoundError).toBe(false);
    expect(fromTwo instanceof one.TimeoutError).toBe(false);
    expect(new one.ProviderError("base") instanceof two.RateLimitError).toBe(false);
    expect(new two.ProviderError("base") instanceof one.ConfigurationError).toBe(false);
  });

  it("recognises a user subclass of the other copy's base as that base", () => {
    class MyErr extends two.ProviderError {}
    const err = new MyErr("mine");
    expect(err instanceof one.ProviderError).toBe(true);
    expect(err instanceof one.RateLimitError).toBe(false);
    expect(new one.ProviderError("base") instanceof MyErr).toBe(false);
  });

  it("isProviderError, hasErrorCode and toErrorRecord work across copies", () => {
    const fromTwo = new two.TimeoutError("slow", 5_000);
    expect(one.isProviderError(fromTwo)).toBe(true);
    expect(one.hasErrorCode(fromTwo, "TIMEOUT")).toBe(true);
    expect(one.hasErrorCode(fromTwo, "RATE_LIMITED")).toBe(false);
    expect(one.isOutcomeUnknown(new two.RateLimitError("slow down", 1))).toBe(false);
    expect(one.toErrorRecord(new two.ConfigurationError("bad")).code).toBe("CONFIGURATION");
    expect(two.isProviderError(new one.TransientError("reset"))).toBe(true);
    expect(two.hasErrorCode(new one.AbortedError("stop"), "ABORTED")).toBe(true);
  });
});
