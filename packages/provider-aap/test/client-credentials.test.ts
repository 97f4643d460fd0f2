import {
  AbortedError,
  AuthenticationError,
  ConfigurationError,
  TransientError,
  type ProviderError,
  type SecretReadOptions,
  type SecretReference,
  type SecretSource,
} from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { type AapAuth, type AapClientOptions } from "../src/client/index.js";
import { AapProvider } from "../src/provider/index.js";
import {
  serverPerTest,
  USERNAME,
  captureLogger,
  clientFor,
  respond,
  json,
  jobBody,
  recordSleeps,
  text,
  thrown,
  type Reply,
  JOB,
  LAUNCH,
} from "./client-harness.js";

/** The token in the Secret before and after a rotation; never to be seen in output. */
const OLD = "k8s-OLD-token-0123456789abcdef";
const NEW = "k8s-NEW-token-fedcba9876543210";
/** A basic-auth password kept in a Secret. */
const K8S_PASSWORD = "k8s-pw-s3cr3t:x";

const TOKEN_REF = { secretRef: { name: "aap", key: "token" } };
const bearerRef: AapAuth = { type: "bearer", token: TOKEN_REF };

/**
 * A SecretSource over a mutable map, with a cache like a real source: a plain read returns
 * the value cached by the last read of the key, a `fresh` read the current one.
 */
class MapSecretSource implements SecretSource {
  /** The Secrets' current data, keyed `name#key` (or `namespace/name#key`). */
  readonly data = new Map<string, string>();
  /** Every read, in order. */
  readonly reads: { key: string; fresh: boolean }[] = [];
  /** Thrown by every read when set. */
  failure: Error | undefined;
  readonly #cache = new Map<string, string>();

  constructor(entries: Record<string, string> = {}) {
    for (const [key, value] of Object.entries(entries)) this.data.set(key, value);
  }

  read(reference: SecretReference, options: SecretReadOptions = {}): Promise<string> {
    const key = `${reference.namespace ? `${reference.namespace}/` : ""}${reference.name}#${reference.key}`;
    const fresh = options.fresh === true;
    this.reads.push({ key, fresh });
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const cached = this.#cache.get(key);
    if (!fresh && cached !== undefined) return Promise.resolve(cached);
    const value = this.data.get(key);
    if (value === undefined) {
      return Promise.reject(
        new ConfigurationError(`Secret ${reference.name} has no key ${reference.key}`, {
          details: { secret: key },
        }),
      );
    }
    this.#cache.set(key, value);
    return Promise.resolve(value);
  }

  /** Whether each read so far was fresh. */
  get freshness(): boolean[] {
    return this.reads.map((r) => r.fresh);
  }
}

const server = serverPerTest();

const launched = json(201, { job: 42, ignored_fields: {}, ...jobBody({ id: 42 }) });

/** 200 with a job for `Bearer <token>`, 401 for anything else. */
function acceptOnly(token: string, ok: Reply = json(200, jobBody())): Reply {
  return respond((req) =>
    req.headers.authorization === `Bearer ${token}` ? ok : json(401, { detail: "Invalid token." }),
  );
}

function withSecrets(
  secrets: SecretSource,
  overrides: Partial<AapClientOptions> = {},
): ReturnType<typeof clientFor> {
  return clientFor(server, { auth: bearerRef, secrets, ...overrides });
}

/** Whether `value` contains any of `secrets`, raw, URL-encoded or in basic form. */
function leaks(value: string, ...secrets: string[]): boolean {
  return secrets.some((secret) =>
    [
      secret,
      encodeURIComponent(secret),
      Buffer.from(`${USERNAME}:${secret}`).toString("base64"),
    ].some((form) => value.includes(form)),
  );
}

function expectClean(error: Error, ...secrets: string[]): void {
  expect(leaks(error.message, ...secrets)).toBe(false);
  expect(leaks(JSON.stringify((error as ProviderError).details), ...secrets)).toBe(false);
}

describe("credentials from a SecretSource", () => {
  it("sends a bearer token read from the Secret, its trailing newline trimmed", async () => {
    const secrets = new MapSecretSource({ "aap#token": `${OLD}\n` });
    server.on("GET", JOB, json(200, jobBody()));
    const job = await withSecrets(secrets).getJob({ kind: "job", id: 7 });
    expect(job.id).toBe(7);
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${OLD}`);
    expect(secrets.reads).toEqual([{ key: "aap#token", fresh: false }]);
  });

  it("sends a basic password read from the Secret (namespaced reference)", async () => {
    const secrets = new MapSecretSource({ "infra/aap#password": K8S_PASSWORD });
    server.on("GET", JOB, json(200, jobBody()));
    const client = clientFor(server, {
      auth: {
        type: "basic",
        username: USERNAME,
        password: { secretRef: { name: "aap", key: "password", namespace: "infra" } },
      },
      secrets,
    });
    await client.getJob({ kind: "job", id: 7 });
    const basic = Buffer.from(`${USERNAME}:${K8S_PASSWORD}`).toString("base64");
    expect(server.requests[0]?.headers.authorization).toBe(`Basic ${basic}`);
  });

  it("asks the source for every request, and for a fresh read only after a 401", async () => {
    const secrets = new MapSecretSource({ "aap#token": OLD });
    server.on("GET", JOB, json(200, jobBody()));
    const client = withSecrets(secrets);
    await client.getJob({ kind: "job", id: 7 });
    await client.getJob({ kind: "job", id: 7 });
    await client.getJob({ kind: "job", id: 7 });
    expect(secrets.freshness).toEqual([false, false, false]);
    server.on("GET", JOB, json(401, { detail: "Invalid token." }));
    await thrown(client.getJob({ kind: "job", id: 7 }));
    expect(secrets.freshness).toEqual([false, false, false, false, true]);
  });

  it("reads every retry's header from the source too", async () => {
    const secrets = new MapSecretSource({ "aap#token": OLD });
    const sleeps = recordSleeps();
    server.on("GET", JOB, json(503, {}), json(200, jobBody()));
    await withSecrets(secrets, { sleep: sleeps.sleep }).getJob({ kind: "job", id: 7 });
    expect(sleeps.delays).toEqual([500]);
    expect(secrets.freshness).toEqual([false, false]);
  });
});

describe("rotation after a 401", () => {
  it("reads the Secret again and repeats the request once with the new token", async () => {
    const secrets = new MapSecretSource({ "aap#token": OLD });
    const { logger, lines } = captureLogger();
    const client = withSecrets(secrets, { logger });
    server.on("GET", JOB, acceptOnly(OLD));
    await client.getJob({ kind: "job", id: 7 });
    // The Secret is rotated and AAP revokes the old token; the source still caches it.
    secrets.data.set("aap#token", `${NEW}\n`);
    server.on("GET", JOB, acceptOnly(NEW));
    const job = await client.getJob({ kind: "job", id: 7 });
    expect(job.id).toBe(7);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${OLD}`,
      `Bearer ${OLD}`,
      `Bearer ${NEW}`,
    ]);
    expect(secrets.freshness).toEqual([false, false, true]);
    expect(lines.some((l) => l.level === "info" && l.message.includes("read again"))).toBe(true);
    // Later requests use the value the fresh read cached.
    await client.getJob({ kind: "job", id: 7 });
    expect(server.requests[3]?.headers.authorization).toBe(`Bearer ${NEW}`);
    expect(secrets.freshness).toEqual([false, false, true, false]);
  });

  it("repeats a launch that got a 401: exactly two POSTs, the second with the new token", async () => {
    const secrets = new MapSecretSource({ "aap#token": OLD });
    const client = withSecrets(secrets);
    server.on("GET", JOB, json(200, jobBody()));
    await client.getJob({ kind: "job", id: 7 }); // caches OLD in the source
    secrets.data.set("aap#token", NEW);
    server.on("POST", LAUNCH, acceptOnly(NEW, launched));
    const result = await client.launch({ kind: "job_template", id: 5 }, { limit: "h1" });
    expect(result.job.id).toBe(42);
    const posts = server.requests.filter((r) => r.method === "POST");
    expect(posts.map((r) => r.headers.authorization)).toEqual([`Bearer ${OLD}`, `Bearer ${NEW}`]);
    expect(posts.map((r) => JSON.parse(r.body) as unknown)).toEqual([
      { limit: "h1" },
      { limit: "h1" },
    ]);
  });

  it("does not repeat the request when the Secret still holds the rejected value", async () => {
    const secrets = new MapSecretSource({ "aap#token": OLD });
    server.on("POST", LAUNCH, json(401, { detail: "Invalid token." }));
    const error = await thrown(
      withSecrets(secrets).launch({ kind: "job_template", id: 5 }, { limit: "h1" }),
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).outcomeUnknown).toBe(false);
    expect(server.requests).toHaveLength(1);
    expect(secrets.freshness).toEqual([false, true]);
  });

  it("fails with AuthenticationError when the new value is rejected too: two requests, one fresh read", async () => {
    const secrets = new MapSecretSource({ "aap#token": OLD });
    const client = withSecrets(secrets);
    server.on("GET", JOB, json(200, jobBody()));
    await client.getJob({ kind: "job", id: 7 });
    secrets.data.set("aap#token", NEW);
    server.requests.length = 0;
    server.on("GET", JOB, json(401, { detail: "Invalid token." }));
    const error = await thrown(client.getJob({ kind: "job", id: 7 }));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain("authentication failed (401)");
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${OLD}`,
      `Bearer ${NEW}`,
    ]);
    expect(secrets.freshness).toEqual([false, false, true]);
  });

  it("never re-reads literal credentials, and a 403 is not a reason to re-read", async () => {
    server.on("GET", JOB, json(401, { detail: "Invalid token." }));
    await thrown(clientFor(server).getJob({ kind: "job", id: 7 }));
    expect(server.requests).toHaveLength(1);
    const secrets = new MapSecretSource({ "aap#token": OLD });
    server.on("GET", JOB, json(403, { detail: "Forbidden." }));
    const error = await thrown(withSecrets(secrets).getJob({ kind: "job", id: 7 }));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(secrets.freshness).toEqual([false]);
  });
});

describe("configuration", () => {
  it("rejects a reference without `secrets` at construction, naming the option", () => {
    for (const auth of [
      bearerRef,
      { type: "basic", username: USERNAME, password: TOKEN_REF } satisfies AapAuth,
    ]) {
      const error = (() => {
        try {
          clientFor(server, { auth });
        } catch (e) {
          return e as ConfigurationError;
        }
        throw new Error("expected a ConfigurationError");
      })();
      expect(error).toBeInstanceOf(ConfigurationError);
      const option = auth.type === "bearer" ? "auth.token" : "auth.password";
      expect(error.message).toContain(`option ${option} refers to a Secret`);
      expect(error.message).toContain("`secrets`");
      expect(error.details.option).toBe(option);
    }
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    ["auth.token", { token: { secretRef: { name: "aap" } } }, "auth.token.secretRef.key"],
    ["auth.token", { token: { secretRef: "aap" } }, "auth.token.secretRef must be"],
    ["auth.token", { token: { ref: "aap" } }, "auth.token must be a string or"],
  ])("rejects a malformed %s reference (case %#)", (option, auth, fragment) => {
    const secrets = new MapSecretSource();
    const build = (): unknown =>
      clientFor(server, { auth: { type: "bearer", ...auth } as unknown as AapAuth, secrets });
    expect(build).toThrow(ConfigurationError);
    expect(build).toThrow(fragment);
    try {
      build();
    } catch (error) {
      expect((error as ConfigurationError).details.option).toBe(option);
    }
  });

  it("rejects a `secrets` option that is not a SecretSource", () => {
    expect(() =>
      clientFor(server, { auth: bearerRef, secrets: {} as unknown as SecretSource }),
    ).toThrow(/option secrets must be a SecretSource/);
  });

  it("rejects a token read from the Secret with inner whitespace, naming the reference only", async () => {
    const bad = `${OLD} extra`;
    const secrets = new MapSecretSource({ "aap#token": `${bad}\n` });
    const { logger, dump } = captureLogger();
    const error = await thrown(withSecrets(secrets, { logger }).getJob({ kind: "job", id: 7 }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain("aap#token");
    expect(error.message).toContain("whitespace or control characters");
    expect((error as ConfigurationError).details).toMatchObject({
      option: "auth.token",
      secret: "aap#token",
    });
    expect(error.message).not.toContain("extra");
    expectClean(error, bad, OLD);
    expect(leaks(dump(), bad, OLD)).toBe(false);
    expect(server.requests).toHaveLength(0);
  });

  it("rejects an empty value read from the Secret", async () => {
    const secrets = new MapSecretSource({ "ops/aap#token": " \n" });
    const error = await thrown(
      clientFor(server, {
        auth: {
          type: "bearer",
          token: { secretRef: { name: "aap", key: "token", namespace: "ops" } },
        },
        secrets,
      }).getJob({ kind: "job", id: 7 }),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain("ops/aap#token is empty");
  });
});

describe("errors of the SecretSource", () => {
  it("propagates a missing key (ConfigurationError) unchanged, sending nothing", async () => {
    const secrets = new MapSecretSource({ "aap#other": OLD });
    const error = await thrown(withSecrets(secrets).getJob({ kind: "job", id: 7 }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe("Secret aap has no key token");
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    ["AuthenticationError", new AuthenticationError("not allowed to read Secret default/aap")],
    ["TransientError", new TransientError("Kubernetes API unavailable")],
  ])("propagates a %s unchanged and does not retry it", async (_name, failure) => {
    const secrets = new MapSecretSource({ "aap#token": OLD });
    secrets.failure = failure;
    const sleeps = recordSleeps();
    const error = await thrown(
      withSecrets(secrets, { sleep: sleeps.sleep }).getJob({ kind: "job", id: 7 }),
    );
    expect(error).toBe(failure);
    expect(sleeps.delays).toEqual([]);
    expect(secrets.reads).toHaveLength(1);
    expect(server.requests).toHaveLength(0);
  });

  it("propagates a failure of the fresh read after a 401 unchanged", async () => {
    const secrets = new MapSecretSource({ "aap#token": OLD });
    const client = withSecrets(secrets);
    server.on("GET", JOB, json(200, jobBody()), json(401, { detail: "Invalid token." }));
    await client.getJob({ kind: "job", id: 7 });
    const failure = new TransientError("Kubernetes API unavailable");
    const original = secrets.read.bind(secrets);
    secrets.read = (reference, options) =>
      options?.fresh === true ? Promise.reject(failure) : original(reference, options);
    expect(await thrown(client.getJob({ kind: "job", id: 7 }))).toBe(failure);
    expect(server.requests).toHaveLength(2);
  });

  it("answers an aborted call with AbortedError without reading the Secret", async () => {
    const secrets = new MapSecretSource({ "aap#token": OLD });
    const controller = new AbortController();
    controller.abort();
    const error = await thrown(
      withSecrets(secrets).getJob({ kind: "job", id: 7 }, { signal: controller.signal }),
    );
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).outcomeUnknown).toBe(false);
    expect(secrets.reads).toHaveLength(0);
  });
});

describe("secrets read from a Secret never leak", () => {
  const echoSecrets = (status: number, ...secrets: string[]): Reply =>
    text(
      status,
      secrets
        .map((s) => `got token ${s} q=${encodeURIComponent(s)} j=${JSON.stringify(s)}`)
        .join("; "),
    );

  it("scrubs a token echoed in an error body from the message, details and logs", async () => {
    const secrets = new MapSecretSource({ "aap#token": `${OLD}\n` });
    const { logger, dump } = captureLogger();
    server.on("GET", JOB, echoSecrets(403, OLD));
    const error = await thrown(withSecrets(secrets, { logger }).getJob({ kind: "job", id: 7 }));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain("[REDACTED]");
    expectClean(error, OLD);
    expect(leaks(dump(), OLD)).toBe(false);
  });

  it("scrubs both the old and the new token after a rotation", async () => {
    const secrets = new MapSecretSource({ "aap#token": OLD });
    const { logger, dump } = captureLogger();
    const client = withSecrets(secrets, { logger });
    server.on("GET", JOB, json(200, jobBody()));
    await client.getJob({ kind: "job", id: 7 });
    secrets.data.set("aap#token", NEW);
    server.on(
      "GET",
      JOB,
      respond((req) =>
        req.headers.authorization === `Bearer ${NEW}`
          ? echoSecrets(500, OLD, NEW)
          : json(401, { detail: "Invalid token." }),
      ),
    );
    const error = await thrown(client.getJob({ kind: "job", id: 7 }, {}));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toContain("[REDACTED]");
    expectClean(error, OLD, NEW);
    expect(leaks(dump(), OLD, NEW)).toBe(false);
  });

  it("scrubs a password, its user:password pair and their Basic encoding", async () => {
    const secrets = new MapSecretSource({ "aap#password": K8S_PASSWORD });
    const { logger, dump } = captureLogger();
    const basic = Buffer.from(`${USERNAME}:${K8S_PASSWORD}`).toString("base64");
    server.on(
      "POST",
      LAUNCH,
      json(400, {
        extra_vars: [`bad: ${K8S_PASSWORD}`],
        pair: `${USERNAME}:${K8S_PASSWORD}`,
        headers: { Authorization: `Basic ${basic}` },
        header: basic,
      }),
    );
    const client = clientFor(server, {
      auth: {
        type: "basic",
        username: USERNAME,
        password: { secretRef: { name: "aap", key: "password" } },
      },
      secrets,
      logger,
    });
    const error = await thrown(client.launch({ kind: "job_template", id: 5 }, {}));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain("[REDACTED]");
    expectClean(error, K8S_PASSWORD);
    expect(leaks(dump(), K8S_PASSWORD)).toBe(false);
  });
});

describe("AapProvider", () => {
  it("passes `secrets` through to the client it builds", async () => {
    const secrets = new MapSecretSource({ "aap#token": OLD });
    server.on("GET", JOB, json(200, jobBody()));
    const provider = new AapProvider({
      client: { url: `${server.url}/api/v2/`, auth: bearerRef, secrets },
    });
    await provider.client.getJob({ kind: "job", id: 7 });
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${OLD}`);
  });
});
