import { describe, expect, it } from "vitest";
import { ANNOTATION_TRACEPARENT, DEFAULT_EDA_ANNOTATIONS } from "../src/index.ts";
import { eventBody } from "../src/provider/payload.ts";

const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

describe("the event's trace context (docs/tracing.md)", () => {
  const payload = {
    metadata: { name: "vm-1", annotations: { [ANNOTATION_TRACEPARENT]: "stale" } },
  };

  it("carries the job span's traceparent as the provisionkit.io/traceparent annotation", () => {
    const body = eventBody(payload, DEFAULT_EDA_ANNOTATIONS, {
      operation: "provision",
      correlationId: "c-1",
      configVersion: "v1",
      traceparent: TRACEPARENT,
    });
    const annotations = (body.metadata as { annotations: Record<string, string> }).annotations;
    expect(annotations[ANNOTATION_TRACEPARENT]).toBe(TRACEPARENT);
  });

  it("carries none (not even the resource's own) when the runtime does not trace", () => {
    const body = eventBody(payload, DEFAULT_EDA_ANNOTATIONS, {
      operation: "provision",
      correlationId: "c-1",
      configVersion: "v1",
    });
    const annotations = (body.metadata as { annotations: Record<string, string> }).annotations;
    expect(ANNOTATION_TRACEPARENT in annotations).toBe(false);
  });
});
