import {
  ConfigurationError,
  JobState,
  RESOURCE_UID_ANNOTATION,
  RateLimitError,
  capabilitiesOf,
  type ResourceObject,
} from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import {
  ANNOTATION_CONFIG_VERSION,
  ANNOTATION_CORRELATION_ID,
  ANNOTATION_OPERATION,
  EdaProvider,
  decodeEdaJobId,
} from "../src/index.ts";
import { TOKEN, call, computeInstance, reset, text, thrown } from "./harness.ts";
import { startProvider } from "./provider-fixture.ts";

const V1 = "sha256:v1";
const V2 = "sha256:v2";

function provisionCall(correlationId: string, configVersion = V1) {
  return { ...call(correlationId), configVersion };
}

describe("P1: name and capabilities", () => {
  it('defaults to "eda", takes a custom name, rejects an empty one', () => {
    const target = { type: "webhook" as const, url: "http://h:5000" };
    const auth = { type: "none" as const };
    expect(new EdaProvider({ target, auth }).name).toBe("eda");
    expect(new EdaProvider({ target, auth, name: "eda-prod" }).name).toBe("eda-prod");
    expect(() => new EdaProvider({ target, auth, name: " " })).toThrow(/option name/);
  });

  it("has neither findJob nor cancelJob without AAP mode", () => {
    const provider = new EdaProvider({
      target: { type: "webhook", url: "http://h:5000" },
      auth: { type: "none" },
    });
    expect(capabilitiesOf(provider)).toEqual({ name: "eda", canFindJob: false, canCancel: false });
    expect("findJob" in provider).toBe(false);
    expect("cancelJob" in provider).toBe(false);
  });
});

describe("triggerProvision", () => {
  it("posts the resource (without status and managedFields) with the event annotations", async () => {
    const fx = await startProvider();
    const vm: ResourceObject = computeInstance("vm-1", {
      annotations: { keep: "me" },
      // managedFields is not in ResourceMetadata's type, but real objects carry it.
      ...({ managedFields: [{ manager: "kubectl" }] } as object),
    });
    const before = JSON.stringify(vm);
    const result = await fx.provider.triggerProvision(vm, provisionCall("corr-1"));
    expect(JSON.stringify(vm)).toBe(before); // the resource is not modified
    const request = fx.server.last();
    expect(request.path).toBe("/create-compute-instance");
    expect(request.headers["x-provisionkit-correlation-id"]).toBe("corr-1");
    expect(request.headers["x-provisionkit-operation"]).toBe("provision");
    expect(JSON.parse(request.body)).toEqual({
      apiVersion: "example.com/v1",
      kind: "ComputeInstance",
      metadata: {
        name: "vm-1",
        namespace: "tenant-a",
        uid: "uid-vm-1",
        annotations: {
          keep: "me",
          [ANNOTATION_CORRELATION_ID]: "corr-1",
          [ANNOTATION_OPERATION]: "provision",
          [ANNOTATION_CONFIG_VERSION]: V1,
          [RESOURCE_UID_ANNOTATION]: "uid-vm-1",
        },
      },
      spec: { cores: 2, image: "fedora" },
    });
    expect(result.initialState).toBe(JobState.Pending);
    expect(result.jobId).toBe(`eda:provision:corr-1:${fx.clock.value}:${V1}`);
    expect(result.message).toContain(V1);
    expect(decodeEdaJobId(result.jobId)).toEqual({
      operation: "provision",
      correlationId: "corr-1",
      sentAt: fx.clock.value,
      configVersion: V1,
    });
  });

  it("a custom payload gets the annotations too; a non-object payload sends nothing", async () => {
    const fx = await startProvider({ payload: (r) => ({ name: r.metadata.name, size: "small" }) });
    await fx.provider.triggerProvision(computeInstance(), provisionCall("corr-1"));
    expect(JSON.parse(fx.server.last().body)).toEqual({
      name: "vm-1",
      size: "small",
      metadata: {
        annotations: {
          [ANNOTATION_CORRELATION_ID]: "corr-1",
          [ANNOTATION_OPERATION]: "provision",
          [ANNOTATION_CONFIG_VERSION]: V1,
          // The custom payload has no metadata.uid: the annotation still names the resource.
          [RESOURCE_UID_ANNOTATION]: "uid-vm-1",
        },
      },
    });
    const plain = await startProvider({ payload: () => "text" });
    const error = await thrown(
      plain.provider.triggerProvision(computeInstance(), provisionCall("c")),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain("payload");
    expect(plain.server.requests).toHaveLength(0);
  });

  it("P2: job ids are distinct for distinct launches, even at the same instant and version", async () => {
    const fx = await startProvider({ minEventIntervalMs: 0 });
    const vm = computeInstance();
    const ids = new Set<string>();
    for (const corr of ["a", "b", "c", "a:b", "a%3Ab"]) {
      ids.add((await fx.provider.triggerProvision(vm, provisionCall(corr))).jobId);
    }
    expect(ids.size).toBe(5);
    expect(fx.server.requests).toHaveLength(5);
  });

  it("surfaces a 429 as RateLimitError", async () => {
    const fx = await startProvider();
    fx.server.otherwise(text(429, "busy", { "retry-after": "12" }));
    const error = await thrown(fx.provider.triggerProvision(computeInstance(), provisionCall("c")));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(12_000);
  });
});

describe("minimum interval between identical events", () => {
  it("throws RateLimitError with the remaining time before sending an identical event", async () => {
    const fx = await startProvider({ minEventIntervalMs: 20_000 });
    const vm = computeInstance();
    await fx.provider.triggerProvision(vm, provisionCall("c1"));
    fx.clock.advance(5_000);
    const error = await thrown(fx.provider.triggerProvision(vm, provisionCall("c2")));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(15_000);
    expect((error as RateLimitError).outcomeUnknown).toBe(false);
    expect(error.message).toContain("retry in 15 s");
    expect(fx.server.requests).toHaveLength(1);
    fx.clock.advance(15_000);
    await fx.provider.triggerProvision(vm, provisionCall("c3"));
    expect(fx.server.requests).toHaveLength(2);
  });

  it("defaults to 15 s", async () => {
    const fx = await startProvider();
    const vm = computeInstance();
    await fx.provider.triggerProvision(vm, provisionCall("c1"));
    fx.clock.advance(14_999);
    const error = await thrown(fx.provider.triggerProvision(vm, provisionCall("c2")));
    expect((error as RateLimitError).retryAfterMs).toBe(1);
    fx.clock.advance(1);
    await expect(fx.provider.triggerProvision(vm, provisionCall("c3"))).resolves.toBeDefined();
  });

  it("allows another version, another resource, and the deprovision event", async () => {
    const fx = await startProvider({ minEventIntervalMs: 60_000 });
    const vm = computeInstance();
    await fx.provider.triggerProvision(vm, provisionCall("c1", V1));
    await fx.provider.triggerProvision(vm, provisionCall("c2", V2));
    await fx.provider.triggerProvision(computeInstance("vm-2"), provisionCall("c3", V1));
    const withFinalizer = {
      ...vm,
      metadata: { ...vm.metadata, finalizers: ["provisionkit.io/aap"] },
    };
    await fx.provider.triggerDeprovision(withFinalizer, [], call("d1"));
    expect(fx.server.requests).toHaveLength(4);
    const again = await thrown(fx.provider.triggerDeprovision(withFinalizer, [], call("d2")));
    expect(again).toBeInstanceOf(RateLimitError);
  });

  it("a send that surely did not arrive does not count; one with an unknown outcome does", async () => {
    const fx = await startProvider({ minEventIntervalMs: 60_000 });
    const vm = computeInstance();
    fx.server.otherwise(text(503, "unavailable"));
    await thrown(fx.provider.triggerProvision(vm, provisionCall("c1")));
    fx.server.otherwise(reset);
    await thrown(fx.provider.triggerProvision(vm, provisionCall("c2")));
    expect(fx.server.requests).toHaveLength(2);
    const error = await thrown(fx.provider.triggerProvision(vm, provisionCall("c3")));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(fx.server.requests).toHaveLength(2);
  });

  it("0 disables it", async () => {
    const fx = await startProvider({ minEventIntervalMs: 0 });
    const vm = computeInstance();
    await fx.provider.triggerProvision(vm, provisionCall("c1"));
    await fx.provider.triggerProvision(vm, provisionCall("c2"));
    expect(fx.server.requests).toHaveLength(2);
  });
});

describe("provider option validation", () => {
  const base = {
    target: { type: "webhook" as const, url: "http://h:5000" },
    auth: { type: "bearer" as const, token: TOKEN },
  };
  it("names the bad option", () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ provisionTimeoutMs: 0 }, /provisionTimeoutMs/],
      [{ deprovisionTimeoutMs: -1 }, /deprovisionTimeoutMs/],
      [{ minEventIntervalMs: Number.NaN }, /minEventIntervalMs/],
      [{ pollIntervalMs: 0 }, /pollIntervalMs/],
      [{ finalizer: "Not A Name!" }, /finalizer/],
      [{ annotations: { failure: "bad name!" } }, /annotations\.failure/],
      [{ annotations: { nope: "a/b" } }, /annotations\.nope/],
      [{ annotations: { failure: "provisionkit.io/operation" } }, /different name/],
      [{ blockDeletionOnFailure: "no" }, /blockDeletionOnFailure/],
      [{ payload: {} }, /payload/],
      [{ aap: { listJobs() {} } }, /option aap/],
      [{ now: 5 }, /option now/],
    ];
    for (const [options, message] of bad) {
      expect(() => new EdaProvider({ ...base, ...options }), message.source).toThrow(message);
    }
  });
});
