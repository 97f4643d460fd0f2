import * as https from "node:https";
import { HttpMethod, KubeConfig, RequestContext } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { SharedAgentAuthentication, sameOptions } from "../../src/kubernetes/shared-agent.ts";

describe("SharedAgentAuthentication on client-node 1.x (the installed one)", () => {
  const config = (caData: string, server = "https://127.0.0.1:6443") => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "c", server, caData, skipTLSVerify: false }],
      users: [{ name: "u", token: "t0ken" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
    return kc;
  };
  const agentOf = async (auth: SharedAgentAuthentication, kc: KubeConfig) => {
    const context = new RequestContext(`${kc.getCurrentCluster()!.server}/api`, HttpMethod.GET);
    await auth.applySecurityAuthentication(context);
    return { agent: context.getAgent(), headers: context.getHeaders() };
  };

  it("one keep-alive agent for every request, with the KubeConfig's headers applied", async () => {
    const kc = config(Buffer.from("ca-1").toString("base64"));
    const auth = new SharedAgentAuthentication(kc);
    const first = await agentOf(auth, kc);
    const second = await agentOf(auth, kc);
    expect(first.agent).toBeInstanceOf(https.Agent);
    expect(second.agent).toBe(first.agent);
    expect((first.agent as https.Agent & { keepAlive?: boolean }).keepAlive).toBe(true);
    expect((first.agent as https.Agent).options.ca).toEqual(Buffer.from("ca-1"));
    expect(first.headers["Authorization"]).toBe("Bearer t0ken");
    auth.close();
  });

  it("a new agent when the TLS options change (a rotated CA), the same one otherwise", async () => {
    const kc = config(Buffer.from("ca-1").toString("base64"));
    const auth = new SharedAgentAuthentication(kc);
    const first = (await agentOf(auth, kc)).agent;
    kc.clusters = kc.clusters.map((c) => ({
      ...c,
      caData: Buffer.from("ca-2").toString("base64"),
    }));
    const rotated = (await agentOf(auth, kc)).agent;
    expect(rotated).not.toBe(first);
    expect((rotated as https.Agent).options.ca).toEqual(Buffer.from("ca-2"));
    expect((await agentOf(auth, kc)).agent).toBe(rotated);
    auth.close();
  });
});

describe("sameOptions (whether a request's connection options are the pool's)", () => {
  const ca = (text: string) => Buffer.from(text);
  const options = (extra: Record<string, unknown> = {}) => ({
    ca: ca("-----BEGIN CERTIFICATE-----\nMIIB"),
    cert: undefined,
    noDelay: true,
    path: null,
    ...extra,
  });

  it("the same: fresh Buffers with the same bytes, any key order, undefined as absent, a null prototype", () => {
    expect(sameOptions(options(), options())).toBe(true);
    const { ca: first, ...rest } = options();
    expect(sameOptions(options(), { ...rest, ca: Buffer.from(first) })).toBe(true);
    expect(sameOptions(options(), { path: null, noDelay: true, ca: first })).toBe(true);
    // http.Agent keeps its options in an object with a null prototype.
    expect(sameOptions(options(), Object.assign(Object.create(null), options()))).toBe(true);
    // Bytes at an offset within a larger buffer (a slice) compare by their own bytes.
    const slice = Buffer.from("xx-----BEGIN CERTIFICATE-----\nMIIByy").subarray(2, -2);
    expect(sameOptions(options(), options({ ca: slice }))).toBe(true);
    expect(sameOptions(options({ ca: new Uint8Array(first) }), options())).toBe(true);
    expect(sameOptions([options(), 1], [options(), 1])).toBe(true);
  });

  it("different when any byte, value, key, nesting or kind differs, whichever side it is on", () => {
    const variants: unknown[] = [
      options({ ca: ca("-----BEGIN CERTIFICATE-----\nMIIC") }),
      options({ ca: ca("-----BEGIN CERTIFICATE-----\nMIIBx") }),
      options({ ca: "-----BEGIN CERTIFICATE-----\nMIIB" }),
      options({ ca: [ca("-----BEGIN CERTIFICATE-----\nMIIB")] }),
      options({ cert: ca("c") }),
      options({ key: ca("c") }),
      options({ noDelay: false }),
      options({ path: "/" }),
      options({ path: undefined }),
      { ...options(), connect: { ca: ca("x") } },
      { ...options(), connect: { ca: ca("y") } },
      [options()],
      null,
      "options",
    ];
    for (const variant of variants) {
      expect(sameOptions(options(), variant)).toBe(false);
      expect(sameOptions(variant, options())).toBe(false);
    }
    for (const [i, one] of variants.entries()) {
      for (const [j, other] of variants.entries()) {
        if (i !== j) expect(sameOptions(one, other)).toBe(false);
      }
    }
    expect(sameOptions(["ab", "c"], ["a", "bc"])).toBe(false);
    expect(sameOptions({ a: "b" }, { ab: "" })).toBe(false);
    expect(sameOptions([1, 2], [1, 2, 3])).toBe(false);
    // A class instance compares by its JSON, never as a plain record.
    expect(sameOptions(new Date(0), {})).toBe(false);
    expect(sameOptions(new Date(0), new Date(0))).toBe(true);
    expect(sameOptions(new Date(0), new Date(1))).toBe(false);
  });
});

/** What a client-node 2.x dispatcher (an undici Agent) is asked for here. */
class StandInDispatcher {
  closed = false;
  destroyed = false;
  constructor(readonly options: unknown) {}
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  destroy(): Promise<void> {
    this.destroyed = true;
    return Promise.resolve();
  }
}

/**
 * A stand-in for client-node 2.x's KubeConfig, which needs Node 22 and so cannot be loaded
 * by these tests on Node 20 (the consumer smoke runs the real 2.0.1 on Node 22,
 * scripts/consumer-smoke.mjs, row cn2-node22). It does what 2.0.1 does in the steps this
 * module relies on (dist/config.js): `applySecurityAuthentication` (lines 194-226) sets
 * the headers, then calls `this.createDispatcher(cluster, agentOptions)` and sets what it
 * returns as the context's dispatcher, if anything; `createDispatcher` (lines 563-576)
 * builds a new dispatcher from `createDispatcherOptions` (lines 521-562) on every call, and
 * returns undefined when there are no TLS options.
 */
class KubeConfig2 {
  readonly cluster = { name: "c", server: "https://127.0.0.1:6443" };
  ca: string | undefined = "ca-1";
  readonly made: StandInDispatcher[] = [];

  async applySecurityAuthentication(context: StandInContext): Promise<void> {
    await Promise.resolve();
    context.setHeaderParam("Authorization", "Bearer t0ken");
    const dispatcher = this.createDispatcher(this.cluster, { ca: this.ca });
    if (dispatcher !== undefined) context.setDispatcher(dispatcher);
  }

  createDispatcherOptions(_cluster: unknown, agentOptions: { ca?: string }): unknown {
    return agentOptions.ca === undefined
      ? { type: "none" }
      : { type: "agent", connect: { ca: agentOptions.ca, keepAlive: true } };
  }

  createDispatcher(cluster: unknown, agentOptions: { ca?: string }): StandInDispatcher | undefined {
    const options = this.createDispatcherOptions(cluster, agentOptions);
    if ((options as { type: string }).type === "none") return undefined;
    const made = new StandInDispatcher(options);
    this.made.push(made);
    return made;
  }
}

/** client-node 2.x's RequestContext, as far as the authentication uses it (no agent). */
class StandInContext {
  readonly headers: Record<string, string> = {};
  dispatcher: StandInDispatcher | undefined;
  setHeaderParam(key: string, value: string): void {
    this.headers[key] = value;
  }
  setDispatcher(dispatcher: StandInDispatcher): void {
    this.dispatcher = dispatcher;
  }
  getDispatcher(): StandInDispatcher | undefined {
    return this.dispatcher;
  }
}

describe("SharedAgentAuthentication on client-node 2.x (a stand-in of 2.0.1)", () => {
  const setup = () => {
    const kc = new KubeConfig2();
    const auth = new SharedAgentAuthentication(kc as unknown as KubeConfig);
    const apply = async () => {
      const context = new StandInContext();
      await auth.applySecurityAuthentication(context as unknown as RequestContext);
      return context;
    };
    return { kc, auth, apply };
  };

  it("one dispatcher for every request, built once, with the KubeConfig's headers applied", async () => {
    const { kc, auth, apply } = setup();
    const first = await apply();
    const second = await apply();
    expect(first.dispatcher).toBeInstanceOf(StandInDispatcher);
    expect(second.dispatcher).toBe(first.dispatcher);
    expect(kc.made).toHaveLength(1);
    expect(first.headers["Authorization"]).toBe("Bearer t0ken");
    expect(second.headers["Authorization"]).toBe("Bearer t0ken");
    auth.close();
    expect(kc.made[0]!.destroyed).toBe(true);
  });

  it("a new dispatcher when the TLS options change; the replaced one is closed", async () => {
    const { kc, auth, apply } = setup();
    const first = (await apply()).dispatcher;
    kc.ca = "ca-2";
    const rotated = (await apply()).dispatcher;
    expect(rotated).not.toBe(first);
    expect(rotated?.options).toEqual({ type: "agent", connect: { ca: "ca-2", keepAlive: true } });
    expect(first?.closed).toBe(true);
    expect(first?.destroyed).toBe(false);
    expect((await apply()).dispatcher).toBe(rotated);
    expect(kc.made).toHaveLength(2);
    auth.close();
  });

  it("no dispatcher when client-node makes none (no TLS options: fetch's own pool)", async () => {
    const { kc, auth, apply } = setup();
    kc.ca = undefined;
    const context = await apply();
    expect(context.dispatcher).toBeUndefined();
    expect(context.headers["Authorization"]).toBe("Bearer t0ken");
    kc.ca = "ca-1";
    const later = await apply();
    expect(later.dispatcher).toBe(kc.made[0]);
    auth.close();
  });

  it("leaves the caller's KubeConfig as it was", async () => {
    const { kc, auth, apply } = setup();
    await apply();
    expect(Object.hasOwn(kc, "createDispatcher")).toBe(false);
    expect(Object.getPrototypeOf(kc)).toBe(KubeConfig2.prototype);
    expect(kc.made).toHaveLength(1);
    auth.close();
  });

  it("a client-node with neither agents nor dispatchers: the KubeConfig's authentication as is", async () => {
    const headers: Record<string, string> = {};
    const kc = {
      applySecurityAuthentication: (context: StandInContext) => {
        context.setHeaderParam("Authorization", "Bearer t0ken");
        return Promise.resolve();
      },
    };
    const auth = new SharedAgentAuthentication(kc as unknown as KubeConfig);
    const context = { setHeaderParam: (k: string, v: string) => (headers[k] = v) };
    await auth.applySecurityAuthentication(context as unknown as RequestContext);
    expect(headers["Authorization"]).toBe("Bearer t0ken");
  });
});
