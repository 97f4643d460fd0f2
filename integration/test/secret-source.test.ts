import { KubeConfig } from "@kubernetes/client-node";
import { checkSecretValue, hasErrorCode, resolveSecretValue } from "@provisionkit/core";
import { KubernetesSecretSource } from "@provisionkit/core/kubernetes";
import { KubernetesApiSimulator } from "@provisionkit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// KubernetesSecretSource through the real client-node against the simulator's core/v1
// Secrets. (The real API-server tier runs apiextensions-apiserver, which serves no core
// types, so Secrets are only exercised here.)

const b64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");

describe("KubernetesSecretSource", () => {
  const sim = new KubernetesApiSimulator();
  let kubeConfig: KubeConfig;
  let now = 0;

  beforeAll(async () => {
    await sim.start();
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(sim.kubeconfig({ namespace: "ops" }));
    sim.createObject({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "eda", namespace: "ops" },
      data: { token: b64("s3cr3t-token\n"), hmac: b64("k€y") },
    });
    sim.createObject({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "eda", namespace: "other" },
      data: { token: b64("other-token") },
    });
  });
  afterAll(() => sim.stop());

  const source = (cacheTtlMs?: number) =>
    new KubernetesSecretSource({
      kubeConfig,
      ...(cacheTtlMs === undefined ? {} : { cacheTtlMs }),
      now: () => now,
    });

  it("reads a key as UTF-8, in the kubeconfig's namespace unless the reference names one", async () => {
    const secrets = source();
    await expect(secrets.read({ name: "eda", key: "token" })).resolves.toBe("s3cr3t-token\n");
    await expect(secrets.read({ name: "eda", key: "hmac" })).resolves.toBe("k€y");
    await expect(secrets.read({ name: "eda", key: "token", namespace: "other" })).resolves.toBe(
      "other-token",
    );
  });

  it("caches for cacheTtlMs, and `fresh` reads again at once (rotation)", async () => {
    now = 1_000;
    const secrets = source(60_000);
    expect(await secrets.read({ name: "eda", key: "token", namespace: "other" })).toBe(
      "other-token",
    );
    const ref = { group: "", plural: "secrets", namespace: "other", name: "eda" };
    sim.updateObject(ref, (secret) => {
      secret.data = { token: b64("rotated") };
    });
    now = 30_000;
    expect(await secrets.read({ name: "eda", key: "token", namespace: "other" })).toBe(
      "other-token",
    );
    expect(
      await secrets.read({ name: "eda", key: "token", namespace: "other" }, { fresh: true }),
    ).toBe("rotated");
    sim.updateObject(ref, (secret) => {
      secret.data = { token: b64("rotated-again") };
    });
    now = 30_000 + 60_000;
    expect(await secrets.read({ name: "eda", key: "token", namespace: "other" })).toBe(
      "rotated-again",
    );
  });

  it("a missing Secret or key is a ConfigurationError naming the reference, never a value", async () => {
    const secrets = source();
    const missing = await secrets.read({ name: "nope", key: "token" }).catch((e: unknown) => e);
    expect(hasErrorCode(missing, "CONFIGURATION")).toBe(true);
    expect(String(missing)).toContain("Secret ops/nope does not exist");
    const noKey = await secrets.read({ name: "eda", key: "password" }).catch((e: unknown) => e);
    expect(hasErrorCode(noKey, "CONFIGURATION")).toBe(true);
    expect(String(noKey)).toContain('has no key "password"');
    expect(JSON.stringify(noKey)).not.toContain("s3cr3t");
  });

  it("a refused read is an AuthenticationError saying which permission is missing", async () => {
    const guarded = new KubernetesApiSimulator({ token: "right" });
    await guarded.start();
    try {
      const kc = new KubeConfig();
      kc.loadFromString(guarded.kubeconfig());
      kc.users[0] = { name: kc.users[0]!.name, token: "wrong" };
      const error = await new KubernetesSecretSource({ kubeConfig: kc })
        .read({ name: "eda", key: "token" })
        .catch((e: unknown) => e);
      expect(hasErrorCode(error, "AUTHENTICATION")).toBe(true);
      expect(String(error)).toContain('"get" on secrets in default');
    } finally {
      await guarded.stop();
    }
  });

  it("resolveSecretValue passes strings through and resolves references with the source", async () => {
    const secrets = source();
    const value = checkSecretValue(
      { secretRef: { name: "eda", key: "hmac" } },
      "auth.secret",
      true,
    );
    await expect(resolveSecretValue(value, secrets)).resolves.toBe("k€y");
    await expect(resolveSecretValue("plain", undefined)).resolves.toBe("plain");
    expect(() => checkSecretValue({ secretRef: { name: "eda" } }, "auth.token", true)).toThrow(
      "auth.token.secretRef.key must be a non-empty string",
    );
    expect(() =>
      checkSecretValue({ secretRef: { name: "eda", key: "token" } }, "auth.token", false),
    ).toThrow("no secret source was given");
    expect(() => checkSecretValue("  ", "auth.token", false)).toThrow(
      "auth.token must not be empty",
    );
  });
});
