import { ConfigurationError } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { EdaClient, type EdaClientOptions } from "../src/index.ts";
import { TOKEN, captureLogger, leakedSecrets } from "./harness.ts";

const base: EdaClientOptions = {
  target: { type: "webhook", url: "http://eda.example:5000" },
  auth: { type: "bearer", token: TOKEN },
};

function rejects(options: unknown, option: RegExp): ConfigurationError {
  let caught: unknown;
  try {
    new EdaClient(options as EdaClientOptions);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigurationError);
  const error = caught as ConfigurationError;
  expect(error.message).toMatch(option);
  expect(leakedSecrets(error.message)).toEqual([]);
  return error;
}

describe("option validation", () => {
  it("names the bad option, never echoing secrets or URLs", () => {
    rejects({ ...base, target: undefined }, /option target must be an object/);
    rejects({ ...base, target: { type: "kafka" } }, /target\.type/);
    rejects({ ...base, target: { type: "webhook", url: "ftp://x" } }, /target\.url must be http/);
    const creds = rejects(
      { ...base, target: { type: "webhook", url: `http://u:${TOKEN}@h/` } },
      /target\.url must not contain credentials/,
    );
    expect(creds.details.option).toBe("target.url");
    rejects(
      { ...base, target: { type: "webhook", url: "http://h/", endpoints: { provision: "a b" } } },
      /target\.endpoints\.provision/,
    );
    rejects({ ...base, target: { type: "event-stream", urls: {} } }, /target\.urls must hold/);
    rejects(
      { ...base, target: { type: "event-stream", urls: { kinds: { VM: { provision: "x" } } } } },
      /target\.urls\.kinds\.VM\.provision/,
    );
    rejects({ ...base, auth: undefined }, /auth is required/);
    rejects({ ...base, auth: { type: "oauth" } }, /auth\.type/);
    rejects({ ...base, auth: { type: "bearer", token: "" } }, /auth\.token must not be empty/);
    rejects({ ...base, auth: { type: "basic", username: "a:b", password: "p" } }, /auth\.username/);
    rejects(
      {
        ...base,
        auth: [
          { type: "bearer", token: TOKEN },
          { type: "basic", username: "u", password: "p" },
        ],
      },
      /at most one bearer or basic/,
    );
    rejects({ ...base, auth: [{ type: "none" }, { type: "bearer", token: TOKEN }] }, /auth\[0\]/);
    rejects({ ...base, auth: { type: "hmac", secret: "s", algorithm: "md5" } }, /auth\.algorithm/);
    rejects({ ...base, auth: { type: "hmac", secret: "s", encoding: "b32" } }, /auth\.encoding/);
    rejects(
      { ...base, auth: { type: "hmac", secret: "s", header: "Authorization" } },
      /auth\.header/,
    );
    rejects({ ...base, auth: { type: "hmac", secret: "s", header: "bad header" } }, /auth\.header/);
    rejects({ ...base, tls: { ca: "not a pem" } }, /tls\.ca/);
    rejects({ ...base, tls: { insecureSkipTLSVerify: "yes" } }, /tls\.insecureSkipTLSVerify/);
    rejects({ ...base, requestTimeoutMs: 0 }, /requestTimeoutMs must be a positive number/);
    rejects({ ...base, secrets: {} }, /option secrets/);
    rejects({ ...base, logger: { info() {} } }, /option logger/);
  });

  it("warns once at construction when TLS verification is disabled", () => {
    const { logger, lines } = captureLogger();
    new EdaClient({ ...base, logger, tls: { insecureSkipTLSVerify: true } });
    expect(lines.filter((l) => l.level === "warn")).toHaveLength(1);
    new EdaClient({ ...base, logger });
    expect(lines.filter((l) => l.level === "warn")).toHaveLength(1);
  });
});

describe("destinations", () => {
  it("webhook: conventional endpoints, per-operation and per-kind overrides", () => {
    const c = new EdaClient({
      ...base,
      target: {
        type: "webhook",
        url: "http://eda.example:5000/hooks",
        endpoints: {
          deprovision: "teardown",
          kinds: { HostPool: { provision: "create-hostpool" } },
        },
      },
    });
    expect(c.destination("ComputeInstance", "provision").url).toBe(
      "http://eda.example:5000/hooks/create-compute-instance",
    );
    expect(c.destination("ComputeInstance", "deprovision").path).toBe("/hooks/teardown");
    expect(c.destination("HostPool", "provision")).toEqual({
      type: "webhook",
      url: "http://eda.example:5000/hooks/create-hostpool",
      path: "/hooks/create-hostpool",
      echo: "hooks/create-hostpool",
    });
    expect(c.destination("HostPool", "deprovision").path).toBe("/hooks/teardown");
  });

  it("webhook: custom verbs; no kind and no endpoint → ConfigurationError", () => {
    const c = new EdaClient({
      ...base,
      target: {
        type: "webhook",
        url: "http://h:5000",
        endpoints: { verbs: { provision: "make" } },
      },
    });
    expect(c.destination("VMSnapshot", "provision").path).toBe("/make-vm-snapshot");
    expect(c.destination("VMSnapshot", "deprovision").path).toBe("/delete-vm-snapshot");
    expect(() => c.destination(undefined, "provision")).toThrow(ConfigurationError);
  });

  it("event streams: per kind, else the default pair; missing → ConfigurationError", () => {
    const c = new EdaClient({
      ...base,
      target: {
        type: "event-stream",
        urls: {
          provision: "https://gw/eda-event-streams/api/eda/v1/external_event_stream/a/post/",
          kinds: { HostPool: { deprovision: "https://gw/x/b/post/" } },
        },
      },
    });
    expect(c.destination("HostPool", "provision").path).toBe(
      "/eda-event-streams/api/eda/v1/external_event_stream/a/post/",
    );
    expect(c.destination("HostPool", "deprovision").url).toBe("https://gw/x/b/post/");
    expect(c.destination("HostPool", "deprovision").echo).toBeUndefined();
    const error = (() => {
      try {
        c.destination("ComputeInstance", "deprovision");
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain("target.urls.kinds.ComputeInstance.deprovision");
  });

  it("does not read a kind from the object prototype", () => {
    const c = new EdaClient({
      ...base,
      target: { type: "event-stream", urls: { provision: "https://gw/p/post/" } },
    });
    expect(c.destination("constructor", "provision").url).toBe("https://gw/p/post/");
  });
});

describe("payload", () => {
  it("must be a JSON object", async () => {
    const c = new EdaClient(base);
    for (const payload of [undefined, [1], "x", { n: 10n }]) {
      await expect(
        c.send({ kind: "ComputeInstance", operation: "provision", payload }),
      ).rejects.toBeInstanceOf(ConfigurationError);
    }
  });
});
