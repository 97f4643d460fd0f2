import { ConfigurationError } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { decodeEdaJobId, encodeEdaJobId } from "../src/index.ts";

describe("EDA job ids", () => {
  it("follow the protocol format", () => {
    expect(
      encodeEdaJobId({
        operation: "provision",
        correlationId: "c-1",
        sentAt: 1700000000000,
        configVersion: "sha256:ab",
      }),
    ).toBe("eda:provision:c-1:1700000000000:sha256:ab");
    expect(encodeEdaJobId({ operation: "deprovision", correlationId: "c-2", sentAt: 5 })).toBe(
      "eda:deprovision:c-2:5",
    );
  });

  it("round-trip, with ':' and '%' in the correlation id and ':' in the version", () => {
    const id = {
      operation: "provision" as const,
      correlationId: "ns/name:uid%1",
      sentAt: 42,
      configVersion: "v:1:2",
    };
    const encoded = encodeEdaJobId(id);
    expect(encoded).toBe("eda:provision:ns%2Fname%3Auid%251:42:v:1:2");
    expect(decodeEdaJobId(encoded)).toEqual(id);
    expect(decodeEdaJobId("eda:deprovision:x:7")).toEqual({
      operation: "deprovision",
      correlationId: "x",
      sentAt: 7,
    });
  });

  it("rejects ids not made by an EDA provider", () => {
    for (const bad of [
      "job:42",
      "42",
      "eda:provision:c:1", // no version
      "eda:deprovision:c:1:extra",
      "eda:deprovision:c:1:ack:ack",
      "eda:update:c:1:v",
      "eda:provision::1:v",
      "eda:provision:c:-1:v",
      "eda:provision:%E0%A4%A:1:v",
    ]) {
      expect(() => decodeEdaJobId(bad), bad).toThrow(ConfigurationError);
    }
  });

  it("carry a delete event's acknowledgement-only mark (sent without the finalizer) as :ack", () => {
    const id = {
      operation: "deprovision" as const,
      correlationId: "c-3",
      sentAt: 9,
      acknowledgementOnly: true,
    };
    expect(encodeEdaJobId(id)).toBe("eda:deprovision:c-3:9:ack");
    expect(decodeEdaJobId("eda:deprovision:c-3:9:ack")).toEqual(id);
    expect(decodeEdaJobId("eda:deprovision:c-3:9").acknowledgementOnly).toBeUndefined();
    // A provision's remainder is its config version, whatever it reads.
    expect(decodeEdaJobId("eda:provision:c:1:ack")).toEqual({
      operation: "provision",
      correlationId: "c",
      sentAt: 1,
      configVersion: "ack",
    });
  });

  it("refuses to encode a provision id without a version", () => {
    expect(() => encodeEdaJobId({ operation: "provision", correlationId: "c", sentAt: 1 })).toThrow(
      ConfigurationError,
    );
  });
});
