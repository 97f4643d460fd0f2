import { describe, expect, it } from "vitest";
import { KubeStatusError } from "@provisionkit/testing";
import { clone, deepEqual, scanJson, stringifyJson } from "../src/kubernetes/json.js";
import { checkStorageSize, summarizeBody } from "../src/kubernetes/limits.js";
import { applyMergePatch } from "../src/kubernetes/merge-patch.js";
import { VM, VM_PATH, raw, withKube } from "./kube-support.js";

// The simulator's limits (issue 16), without a real server: the JSON helpers handle the depth
// the real server accepts (10,000) without recursion, and out-of-band writes meet the same
// storage limit as HTTP ones. integration/test/kube-limits.test.ts compares the HTTP answers
// with a real apiextensions-apiserver.

const nested = (depth: number) => JSON.parse(`${"[".repeat(depth)}${"]".repeat(depth)}`) as unknown;
const nestedObject = (depth: number) =>
  JSON.parse(`${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`) as unknown;

describe("JSON helpers at the real server's depth", () => {
  it("clone, stringify, deepEqual and merge patch work 10,000 deep (structuredClone fails at ~2,000)", () => {
    const value = { spec: nestedObject(9_999), list: nested(9_999) };
    expect(() => structuredClone(value)).toThrow(RangeError);
    const copy = clone(value);
    expect(copy === value).toBe(false);
    expect(deepEqual(copy, value)).toBe(true);
    const text = stringifyJson(value);
    expect(text).toBe(
      `{"spec":${'{"a":'.repeat(9_999)}1${"}".repeat(9_999)},"list":${"[".repeat(9_999)}${"]".repeat(9_999)}}`,
    );
    expect(deepEqual(JSON.parse(text), value)).toBe(true);
    const patched = applyMergePatch({ keep: 1 }, value) as Record<string, unknown>;
    expect(deepEqual(patched, { keep: 1, ...value })).toBe(true);
    // A difference deep down is seen.
    const other = clone(value);
    let cursor = other.spec as Record<string, unknown>;
    for (let i = 0; i < 9_000; i++) cursor = cursor.a as Record<string, unknown>;
    cursor.a = 2;
    expect(deepEqual(other, value)).toBe(false);
  });

  it("stringifies deep values with JSON.stringify's rules", () => {
    const deep = nested(6_000);
    const value = { a: undefined, b: () => 1, c: [undefined, Infinity, NaN], d: deep, e: 'é"' };
    expect(() => JSON.stringify(value)).toThrow(RangeError);
    const shallow = { ...value, d: [] };
    expect(stringifyJson(value).replace(`${"[".repeat(6_000)}${"]".repeat(6_000)}`, "[]")).toBe(
      JSON.stringify(shallow),
    );
  });

  it("scanJson finds the first bracket over the limit and overflowing numbers, skipping strings", () => {
    expect(scanJson(`[[["[[[["]]]`, 3)).toEqual({});
    expect(scanJson(`[[{"a":[]}]]`, 3)).toEqual({ tooDeep: "[" });
    expect(scanJson(`[[{}]]`, 2)).toEqual({ tooDeep: "{" });
    expect(scanJson(`{"a":1e400,"b":"1e999"}`, 10)).toEqual({ overflow: "1e400" });
    expect(scanJson(`{"a":-1e309}`, 10)).toEqual({ overflow: "-1e309" });
    expect(scanJson(`{"a":1e308,"b":"\\"1e999"}`, 10)).toEqual({});
  });

  it("summarizes a body as the real server quotes it", () => {
    expect(summarizeBody("")).toBe("<empty>");
    expect(summarizeBody(`{"spec":`)).toBe(`{"spec":`);
    expect(summarizeBody(`{"apiVersion":"example.com/v1","kind":"X"}`)).toBe(
      `{"apiVersion":"example.com/v1" ...`,
    );
    expect(summarizeBody("<html>")).toBe("3c68746d6c3e");
  });

  it("refuses storage sizes over etcd's limits with the real messages", () => {
    const key = "/registry/example.com/computeinstances/p/b1572448";
    // The calibration point measured on the real server: 1,572,670 bytes stored, 1,572,671 refused.
    expect(() => checkStorageSize(1_572_670, key)).not.toThrow();
    expect(() => checkStorageSize(1_572_671, key)).toThrow("etcdserver: request is too large");
    expect(() =>
      checkStorageSize(2_097_368, "/registry/example.com/computeinstances/p/b2"),
    ).toThrow(
      "rpc error: code = ResourceExhausted desc = trying to send message larger than max (2097536 vs. 2097152)",
    );
  });
});

describe("the simulator's limits", () => {
  const h = withKube();

  it("refuses an out-of-band write too large for etcd, and stores nothing", () => {
    const attempt = () =>
      h.sim.createObject({
        apiVersion: "example.com/v1",
        kind: VM.kind,
        metadata: { name: "huge", namespace: "default" },
        spec: { blob: "x".repeat(1.6 * 1024 * 1024) },
      });
    expect(attempt).toThrow(KubeStatusError);
    try {
      attempt();
    } catch (error) {
      expect((error as KubeStatusError).status).toMatchObject({
        code: 500,
        message: "etcdserver: request is too large",
      });
      expect((error as KubeStatusError).status.reason).toBeUndefined();
    }
    expect(
      h.sim.getObject({ group: VM.group, plural: VM.plural, namespace: "default", name: "huge" }),
    ).toBeUndefined();
  });

  it("stores, serves, lists and records an object nested 10,000 deep", async () => {
    const spec = `{"f":${"[".repeat(9_998)}${"]".repeat(9_998)}}`;
    const body = `{"apiVersion":"example.com/v1","kind":"ComputeInstance","metadata":{"name":"deep"},"spec":${spec}}`;
    const created = await raw(h.url, VM_PATH, {
      method: "POST",
      body,
      contentType: "application/json",
    });
    expect(created.status).toBe(201);
    const list = await raw(h.url, VM_PATH);
    expect(list.status).toBe(200);
    expect(list.text).toContain(`"spec":${spec}`);
    const ref = { group: VM.group, plural: VM.plural, namespace: "default", name: "deep" };
    expect(stringifyJson(h.sim.getObject(ref)?.spec)).toBe(spec);
    expect(h.sim.history().at(-1)?.verb).toBe("create");
  });
});
