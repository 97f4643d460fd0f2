import {
  AbortedError,
  ConfigurationError,
  InvalidResponseError,
  type ProviderError,
} from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { AapClient } from "../src/client/index.js";
import {
  serverPerTest,
  TOKEN,
  json,
  jobBody,
  recordSleeps,
  text,
  thrown,
  type Reply,
} from "./client-harness.js";

const server = serverPerTest();

const LEGACY_ROOT = {
  description: "AWX REST API",
  current_version: "/api/v2/",
  available_versions: { v2: "/api/v2/" },
  oauth2: "/api/o/",
};
const GATEWAY_ROOT = {
  apis: { gateway: "/api/gateway/", controller: "/api/controller/", eda: "/api/eda/" },
};

function client(path = "", overrides = {}): AapClient {
  return new AapClient({
    url: `${server.url}${path}`,
    auth: { type: "bearer", token: TOKEN },
    sleep: recordSleeps().sleep,
    ...overrides,
  });
}

/** A reply held until `release()` is called. */
function held(reply: Reply): { reply: Reply; release: () => void } {
  let release = (): void => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    reply: (request, response) => {
      void gate.then(() => reply(request, response));
    },
    release: () => release(),
  };
}

describe("API path discovery", () => {
  it("uses current_version of a legacy controller", async () => {
    server.on("GET", "/api/", json(200, LEGACY_ROOT));
    server.on("GET", "/api/v2/jobs/7/", json(200, jobBody()));
    const aap = client();
    expect(await aap.apiPath()).toBe("/api/v2/");
    await aap.getJob({ kind: "job", id: 7 });
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /api/",
      "GET /api/v2/jobs/7/",
    ]);
  });

  it("follows apis.controller of a platform gateway", async () => {
    server.on("GET", "/api/", json(200, GATEWAY_ROOT));
    server.on("GET", "/api/controller/", json(200, { current_version: "/api/controller/v2/" }));
    server.on(
      "GET",
      "/api/controller/v2/workflow_jobs/9/",
      json(200, jobBody({ id: 9, type: "workflow_job" })),
    );
    const aap = client("/");
    expect(await aap.apiPath()).toBe("/api/controller/v2/");
    await aap.getJob({ kind: "workflow_job", id: 9 });
    expect(server.requests.map((r) => r.path)).toEqual([
      "/api/",
      "/api/controller/",
      "/api/controller/v2/workflow_jobs/9/",
    ]);
  });

  it("keeps only the path of a full-URL current_version (the gateway may report an internal host)", async () => {
    server.on("GET", "/api/", json(200, GATEWAY_ROOT));
    server.on(
      "GET",
      "/api/controller/",
      json(200, { current_version: "http://controller.internal:8052/api/controller/v2" }),
    );
    expect(await client().apiPath()).toBe("/api/controller/v2/");
  });

  it("starts from a service root given in the url", async () => {
    server.on("GET", "/api/controller/", json(200, { current_version: "/api/controller/v2/" }));
    expect(await client("/api/controller").apiPath()).toBe("/api/controller/v2/");
    expect(server.requests.map((r) => r.path)).toEqual(["/api/controller/"]);
  });

  it("starts from /api/ when the url ends with /api/", async () => {
    server.on("GET", "/api/", json(200, LEGACY_ROOT));
    expect(await client("/api/").apiPath()).toBe("/api/v2/");
  });

  it.each([
    ["/api/v2/", "/api/v2/"],
    ["/api/v2", "/api/v2/"],
    ["/api/controller/v2/", "/api/controller/v2/"],
  ])("uses an explicit API path %s as is, without requests", async (path, expected) => {
    expect(await client(path).apiPath()).toBe(expected);
    expect(server.requests).toHaveLength(0);
  });

  it("discovers once and caches the result", async () => {
    server.on("GET", "/api/", json(200, LEGACY_ROOT));
    server.on("GET", "/api/v2/jobs/7/", json(200, jobBody()));
    const aap = client();
    await aap.apiPath();
    await aap.getJob({ kind: "job", id: 7 });
    await aap.getJob({ kind: "job", id: 7 });
    expect(server.count("GET", "/api/")).toBe(1);
  });

  it("shares one discovery among concurrent callers", async () => {
    const root = held(json(200, GATEWAY_ROOT));
    server.on("GET", "/api/", root.reply);
    server.on("GET", "/api/controller/", json(200, { current_version: "/api/controller/v2/" }));
    const aap = client();
    const callers = Array.from({ length: 5 }, () => aap.apiPath());
    await server.nextRequest();
    root.release();
    expect(await Promise.all(callers)).toEqual(Array(5).fill("/api/controller/v2/"));
    expect(server.count("GET", "/api/")).toBe(1);
    expect(server.count("GET", "/api/controller/")).toBe(1);
  });

  it("does not cache a failed discovery", async () => {
    server.on(
      "GET",
      "/api/",
      json(404, { detail: "The requested resource could not be found." }),
      json(200, LEGACY_ROOT),
    );
    const aap = client();
    const error = await thrown(aap.apiPath());
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(`no AAP API found at ${server.url}/api/`);
    expect((error as ProviderError).details).toMatchObject({ status: 404, option: "url" });
    expect(await aap.apiPath()).toBe("/api/v2/");
    expect(server.count("GET", "/api/")).toBe(2);
  });

  it("retries a discovery that meets a 503", async () => {
    server.on("GET", "/api/", json(503, {}), json(200, LEGACY_ROOT));
    const { delays, sleep } = recordSleeps();
    expect(await client("", { sleep }).apiPath()).toBe("/api/v2/");
    expect(delays).toEqual([500]);
  });

  it("lets one caller abort without disturbing the others", async () => {
    const root = held(json(200, LEGACY_ROOT));
    server.on("GET", "/api/", root.reply);
    const aap = client();
    const controller = new AbortController();
    const first = aap.apiPath({ signal: controller.signal });
    const second = aap.apiPath();
    await server.nextRequest();
    controller.abort();
    const error = await thrown(first);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).outcomeUnknown).toBe(false);
    root.release();
    expect(await second).toBe("/api/v2/");
  });

  it("rejects a pre-aborted signal without a request", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(client().apiPath({ signal: controller.signal })).rejects.toBeInstanceOf(
      AbortedError,
    );
    expect(server.requests).toHaveLength(0);
  });

  describe("validates the shapes", () => {
    it.each([
      [
        { current_version: 2 },
        '"current_version" must be a string (got number)',
        "current_version",
      ],
      [{ description: "x" }, '"current_version" is missing (expected a string)', "current_version"],
      [
        { current_version: "v2" },
        '"current_version" must be a path under /api/ (got string)',
        "current_version",
      ],
      [
        { apis: { controller: 1 } },
        '"apis.controller" must be a string (got number)',
        "apis.controller",
      ],
      [[], "response body must be an object (got array)", "(body)"],
    ])("root %j", async (body, message, field) => {
      server.on("GET", "/api/", json(200, body));
      const error = await thrown(client().apiPath());
      expect(error).toBeInstanceOf(InvalidResponseError);
      expect(error.message).toBe(`AAP GET /api/: ${message}`);
      expect((error as ProviderError).details).toMatchObject({ field, operation: "discovery" });
    });

    it("controller root without current_version", async () => {
      server.on("GET", "/api/", json(200, GATEWAY_ROOT));
      server.on("GET", "/api/controller/", json(200, { description: "?" }));
      const error = await thrown(client().apiPath());
      expect(error).toBeInstanceOf(InvalidResponseError);
      expect(error.message).toBe(
        'AAP GET /api/controller/: "current_version" is missing (expected a string)',
      );
    });

    it("a gateway that lists no controller", async () => {
      server.on(
        "GET",
        "/api/",
        json(200, { apis: { gateway: "/api/gateway/", eda: "/api/eda/" } }),
      );
      const error = await thrown(client().apiPath());
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toContain("lists no controller API");
    });

    it("an HTML page", async () => {
      server.on("GET", "/api/", text(200, "<html>login</html>", { "content-type": "text/html" }));
      const error = await thrown(client().apiPath());
      expect(error).toBeInstanceOf(InvalidResponseError);
      expect(error.message).toBe(
        "AAP GET /api/: response body is not valid JSON (content-type text/html)",
      );
    });
  });
});
