import { describe, expect, it } from "vitest";
import {
  AbortedError,
  ConfigurationError,
  InvalidResponseError,
  TimeoutError,
  TransientError,
} from "@provisionkit/core";
import { TransportError, fromTransportFailure } from "@provisionkit/core/http";
import { SECRET, context } from "./support.js";

const map = (error: TransportError, idempotent = true) =>
  fromTransportFailure(context(idempotent), error, { timeoutMs: 250, what: "the job" });

describe("fromTransportFailure", () => {
  it("the caller's abort → AbortedError, not retried; outcome unknown only once connected", () => {
    const before = map(new TransportError("aborted", "ABORTED", "aborted", false), false);
    expect(before.error).toBeInstanceOf(AbortedError);
    expect(before.error.outcomeUnknown).toBe(false);
    expect(before.retry).toBe(false);
    const after = map(new TransportError("aborted", "ABORTED", "aborted", true), false);
    expect(after.error.outcomeUnknown).toBe(true);
    expect(
      map(new TransportError("aborted", "ABORTED", "aborted", true)).error.outcomeUnknown,
    ).toBe(false);
  });

  it("a time limit → TimeoutError with the limit, retried; for a launch it says what is known", () => {
    const read = map(
      new TransportError("timeout", "TIMEOUT", "no complete response within 250 ms", true),
    );
    expect(read.error).toBeInstanceOf(TimeoutError);
    expect((read.error as TimeoutError).timeoutMs).toBe(250);
    expect(read.error.outcomeUnknown).toBe(false);
    expect(read.retry).toBe(true);
    const sent = map(new TransportError("timeout", "TIMEOUT", "slow", true), false);
    expect(sent.error.outcomeUnknown).toBe(true);
    expect(sent.error.message).toContain("the job may have arrived (outcome unknown)");
    const unsent = map(new TransportError("timeout", "TIMEOUT", "slow", false), false);
    expect(unsent.error.outcomeUnknown).toBe(false);
    expect(unsent.error.message).toContain("no connection was established, nothing was sent");
    const socket = map(new TransportError("network", "ETIMEDOUT", "connect ETIMEDOUT", false));
    expect(socket.error).toBeInstanceOf(TimeoutError);
    expect((socket.error as TimeoutError).timeoutMs).toBeUndefined();
  });

  it("failures before sending are known for a launch: refused, DNS", () => {
    for (const code of ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]) {
      const failure = map(new TransportError("network", code, `connect ${code}`, true), false);
      expect(failure.error).toBeInstanceOf(TransientError);
      expect(failure.error.outcomeUnknown).toBe(false);
      expect(failure.error.message).toContain("nothing was sent");
      expect(failure.retry).toBe(true);
    }
  });

  it("a reset after connecting leaves a launch's outcome unknown", () => {
    const failure = map(new TransportError("network", "ECONNRESET", "socket hang up", true), false);
    expect(failure.error).toBeInstanceOf(TransientError);
    expect(failure.error.outcomeUnknown).toBe(true);
    expect(failure.error.message).toContain("the connection broke after the request was written");
    expect(failure.error.details).toMatchObject({
      errorCode: "ECONNRESET",
      connected: true,
      status: null,
    });
  });

  it("certificate and TLS failures → ConfigurationError, not retried", () => {
    for (const code of [
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      "DEPTH_ZERO_SELF_SIGNED_CERT",
      "EPROTO",
      "ERR_SSL_WRONG_VERSION_NUMBER",
    ]) {
      const failure = map(new TransportError("network", code, "tls", true), false);
      expect(failure.error).toBeInstanceOf(ConfigurationError);
      expect(failure.error.message).toContain("TLS failure");
      expect(failure.retry).toBe(false);
    }
  });

  it("a body over the limit → InvalidResponseError, not retried", () => {
    const error = new TransportError(
      "network",
      "ERR_BAD_RESPONSE",
      "maxContentLength size of 10 exceeded",
      true,
      200,
    );
    const failure = map(error, false);
    expect(failure.error).toBeInstanceOf(InvalidResponseError);
    expect(failure.error.outcomeUnknown).toBe(true);
    expect(failure.error.details.status).toBe(200);
    expect(failure.retry).toBe(false);
  });

  it("scrubs secrets from transport messages", () => {
    const failure = map(new TransportError("network", "ECONNRESET", `reset ${SECRET}`, true));
    expect(failure.error.message).not.toContain(SECRET);
  });
});
