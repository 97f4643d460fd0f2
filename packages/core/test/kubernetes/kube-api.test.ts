import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../../src/index.ts";
import { KubeApi } from "../../src/kubernetes/kube-api.ts";

describe("KubeApi", () => {
  it("refuses a KubeConfig without a current cluster with a ConfigurationError", () => {
    const ref = { group: "example.com", version: "v1", plural: "widgets", kind: "Widget" };
    expect(() => new KubeApi(new KubeConfig(), ref)).toThrow(ConfigurationError);
  });
});
