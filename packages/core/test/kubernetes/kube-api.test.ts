import * as https from "node:https";
import { HttpMethod, KubeConfig, RequestContext } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../../src/index.ts";
import { KubeApi, SharedAgentAuthentication } from "../../src/kubernetes/kube-api.ts";

describe("KubeApi", () => {
  it("refuses a KubeConfig without a current cluster with a ConfigurationError", () => {
    const ref = { group: "example.com", version: "v1", plural: "widgets", kind: "Widget" };
    expect(() => new KubeApi(new KubeConfig(), ref)).toThrow(ConfigurationError);
  });
});

describe("SharedAgentAuthentication", () => {
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
