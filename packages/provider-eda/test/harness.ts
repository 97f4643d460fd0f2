/**
 * Test harness: the scripted loopback server and checks of `@provisionkit/testing` (with
 * a webhook source's answer as the default reply), an in-test SecretSource, resources and
 * job records.
 */
import { createHmac } from "node:crypto";
import {
  ConfigurationError,
  JobState,
  type JobRecord,
  type ResourceObject,
  type SecretReadOptions,
  type SecretReference,
  type SecretSource,
} from "@provisionkit/core";
import { ScriptedHttpServer, text, type Reply, type TlsKeyPair } from "@provisionkit/testing";
import { afterEach, beforeEach } from "vitest";

// The loopback server, its replies and the error and log checks.
export * from "@provisionkit/testing";

/** Secrets used by the tests; none may ever show up in errors, logs, details or results. */
export const TOKEN = "tok-SECRET-0123456789abcdefXYZ";
export const PASSWORD = "pw-SECRET-hunter2:x";
export const USERNAME = "eda-user";
export const HMAC_SECRET = "hmac-SECRET-s3cr3t-key";
export const ROTATED_TOKEN = "tok-ROTATED-9876543210zyxwvu";

/** Every secret string (and derived form) that must never leak. */
export function secretStrings(): string[] {
  const basic = Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64");
  return [TOKEN, PASSWORD, HMAC_SECRET, ROTATED_TOKEN, basic, "hunter2", "s3cr3t"];
}

/** The secrets found in `text` (empty when none). */
export function leakedSecrets(text: string): string[] {
  return secretStrings().filter((secret) => text.includes(secret));
}

/** What an `ansible.eda.webhook` source answers for a queued event: 200, the path as text. */
export const webhookOk: Reply = (request, response) =>
  text(200, request.path.slice(1))(request, response);

/** The scripted server of these tests: unscripted paths answer like a webhook source. */
export type ScriptedServer = ScriptedHttpServer;
/** Starts a {@link ScriptedServer} (HTTPS when `tls` is given). */
export const ScriptedServer = {
  start: (tls?: TlsKeyPair): Promise<ScriptedHttpServer> =>
    ScriptedHttpServer.start({ tls, fallback: webhookOk }),
};

/** A {@link ScriptedServer} started before each test of the file and closed after it. */
export function serverPerTest(tls?: TlsKeyPair): ScriptedHttpServer {
  return ScriptedHttpServer.perTest({ beforeEach, afterEach }, { tls, fallback: webhookOk });
}

/** The HMAC of `raw` as a receiver computes it. */
export function hmacOf(
  raw: Buffer,
  secret: string,
  algorithm = "sha256",
  encoding: "hex" | "base64" = "hex",
): string {
  return createHmac(algorithm, secret).update(raw).digest(encoding);
}

/**
 * A SecretSource over an in-memory map of `namespace/name#key` → value, with a cache that
 * `fresh` bypasses (like a real source that caches Secrets), recording every read.
 */
export class FakeSecretSource implements SecretSource {
  /** What the "API server" holds now. */
  readonly store = new Map<string, string>();
  /** Every read: the reference and whether it was fresh. */
  readonly reads: { ref: string; fresh: boolean }[] = [];
  readonly #cache = new Map<string, string>();

  /** Sets a value in the store (the cache keeps the old one until a fresh read). */
  set(ref: SecretReference, value: string): this {
    this.store.set(FakeSecretSource.key(ref), value);
    return this;
  }

  /** `namespace/name#key`. */
  static key(ref: SecretReference): string {
    return `${ref.namespace ?? "default"}/${ref.name}#${ref.key}`;
  }

  read(reference: SecretReference, options: SecretReadOptions = {}): Promise<string> {
    const key = FakeSecretSource.key(reference);
    this.reads.push({ ref: key, fresh: options.fresh === true });
    if (options.fresh !== true) {
      const cached = this.#cache.get(key);
      if (cached !== undefined) return Promise.resolve(cached);
    }
    const value = this.store.get(key);
    if (value === undefined) {
      return Promise.reject(new ConfigurationError(`secret ${key} not found`));
    }
    this.#cache.set(key, value);
    return Promise.resolve(value);
  }
}

/** A ComputeInstance resource. */
export function computeInstance(
  name = "vm-1",
  metadata: Partial<ResourceObject["metadata"]> = {},
): ResourceObject {
  return {
    apiVersion: "example.com/v1",
    kind: "ComputeInstance",
    metadata: { name, namespace: "tenant-a", uid: `uid-${name}`, ...metadata },
    spec: { cores: 2, image: "fedora" },
    status: { phase: "Provisioning" },
  };
}

/** A copy of `resource` with more annotations and/or finalizers. */
export function withMeta(
  resource: ResourceObject,
  annotations: Record<string, string>,
  finalizers?: string[],
): ResourceObject {
  return {
    ...resource,
    metadata: {
      ...resource.metadata,
      annotations: { ...resource.metadata.annotations, ...annotations },
      ...(finalizers ? { finalizers } : {}),
    },
  };
}

/** A job record as the engine keeps it. */
export function record(jobId: string, overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    jobId,
    type: "provision",
    state: JobState.Pending,
    message: "",
    provider: "eda",
    correlationId: "corr",
    launchedAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    attempt: 1,
    ...overrides,
  };
}

/** A controllable clock. */
export class TestClock {
  value: number;
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.value = start;
  }
  readonly now = (): number => this.value;
  advance(ms: number): void {
    this.value += ms;
  }
}

/** Call options with a live signal. */
export function call(correlationId = "corr"): { signal: AbortSignal; correlationId: string } {
  return { signal: new AbortController().signal, correlationId };
}
