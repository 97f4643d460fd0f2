import { RESOURCE_UID_ANNOTATION } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { DEFAULT_EDA_ANNOTATIONS } from "../src/index.ts";
import { eventBody } from "../src/provider/payload.ts";

const facts = { operation: "provision", correlationId: "c-1", configVersion: "v1" } as const;

function annotationsOf(body: Record<string, unknown>): Record<string, unknown> {
  return (body.metadata as { annotations: Record<string, unknown> }).annotations;
}

describe("the event's provisionkit.io/resource-uid annotation (P10 with any payload)", () => {
  it("names the resource's uid, though a custom payload has no metadata.uid", () => {
    const body = eventBody({ spec: { cores: 2 } }, DEFAULT_EDA_ANNOTATIONS, {
      ...facts,
      resourceUid: "uid-mine",
    });
    expect(annotationsOf(body)[RESOURCE_UID_ANNOTATION]).toBe("uid-mine");
  });

  it("drops a stale one the resource carries when no uid is given", () => {
    const stale = { metadata: { annotations: { [RESOURCE_UID_ANNOTATION]: "uid-someone" } } };
    const body = eventBody(stale, DEFAULT_EDA_ANNOTATIONS, facts);
    expect(RESOURCE_UID_ANNOTATION in annotationsOf(body)).toBe(false);
  });
});
