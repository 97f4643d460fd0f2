import { RESOURCE_UID_ANNOTATION } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { PAYLOAD_ANNOTATIONS, annotatePayload } from "../src/index.ts";

const vars = { correlationId: "c-1", operation: "provision", configVersion: "v1" } as const;

function annotationsOf(payload: unknown): Record<string, unknown> {
  return (payload as { metadata: { annotations: Record<string, unknown> } }).metadata.annotations;
}

describe("the payload's provisionkit.io/resource-uid annotation (P10 with any payload)", () => {
  const custom = { spec: { cores: 2 }, metadata: { annotations: { keep: "me" } } };

  it("names the resource's uid, though the payload has no metadata.uid", () => {
    const annotations = annotationsOf(
      annotatePayload(custom, vars, PAYLOAD_ANNOTATIONS, "uid-mine"),
    );
    expect(annotations[RESOURCE_UID_ANNOTATION]).toBe("uid-mine");
    expect(annotations.keep).toBe("me");
  });

  it("drops a stale one the resource carries when the resource has no uid", () => {
    const stale = { metadata: { annotations: { [RESOURCE_UID_ANNOTATION]: "uid-someone" } } };
    for (const uid of [undefined, ""]) {
      const annotations = annotationsOf(annotatePayload(stale, vars, PAYLOAD_ANNOTATIONS, uid));
      expect(RESOURCE_UID_ANNOTATION in annotations).toBe(false);
    }
    // The caller's object is never changed.
    expect(stale.metadata.annotations[RESOURCE_UID_ANNOTATION]).toBe("uid-someone");
  });
});
