import { InvalidResponseError, type ProviderError } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import {
  DecodeError,
  array,
  boolean,
  fieldName,
  formatPath,
  integer,
  nullable,
  number,
  object,
  optional,
  record,
  string,
  withDefault,
} from "../src/client/schema.js";
import { parseExtraVars } from "../src/client/decoders.js";
import {
  clientFor,
  json,
  jobBody,
  serverPerTest,
  text,
  thrown,
  type Reply,
} from "./client-harness.js";

describe("decoder combinators", () => {
  const decode = object({
    id: integer,
    name: string,
    ratio: optional(number),
    ok: withDefault(boolean, false),
    parent: nullable(object({ name: string })),
    tags: array(string),
    labels: record(string),
  });
  const valid = { id: 1, name: "a", parent: null, tags: ["x"], labels: { k: "v" }, extra: true };

  it("decode valid input and ignore unknown fields", () => {
    expect(decode(valid, [])).toEqual({
      id: 1,
      name: "a",
      ratio: undefined,
      ok: false,
      parent: null,
      tags: ["x"],
      labels: { k: "v" },
    });
  });

  it.each([
    [{ ...valid, id: "1" }, '"id" must be an integer (got string)', "id"],
    [{ ...valid, id: 1.5 }, '"id" must be an integer (got number)', "id"],
    [{ ...valid, name: undefined }, '"name" is missing (expected a string)', "name"],
    [{ ...valid, ratio: Number.NaN }, '"ratio" must be a number (got number)', "ratio"],
    [{ ...valid, ok: "yes" }, '"ok" must be a boolean (got string)', "ok"],
    [
      { ...valid, parent: { name: 3 } },
      '"parent.name" must be a string (got number)',
      "parent.name",
    ],
    [{ ...valid, tags: ["x", null] }, '"tags[1]" must be a string (got null)', "tags[1]"],
    [{ ...valid, tags: {} }, '"tags" must be an array (got object)', "tags"],
    [{ ...valid, labels: { k: 1 } }, '"labels.k" must be a string (got number)', "labels.k"],
    [[valid], "response body must be an object (got array)", "(body)"],
    ["text", "response body must be an object (got string)", "(body)"],
    [null, "response body must be an object (got null)", "(body)"],
  ])("reject %j", (input, message, field) => {
    try {
      decode(input, []);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DecodeError);
      expect((error as DecodeError).message).toBe(message);
      expect(fieldName((error as DecodeError).path)).toBe(field);
    }
  });

  it("format paths", () => {
    expect(formatPath([])).toBe("response body");
    expect(formatPath(["results", 2, "summary_fields", "organization", "name"])).toBe(
      '"results[2].summary_fields.organization.name"',
    );
    expect(fieldName([0, "a"])).toBe("[0].a");
  });

  it("do not read inherited properties", () => {
    expect(() => object({ toString: string })({}, [])).toThrow('"toString" is missing');
  });
});

describe("parseExtraVars", () => {
  it.each([
    ['{"a": 1}', { a: 1 }],
    ["{}", {}],
    ["", undefined],
    ["   ", undefined],
    ["{oops", undefined],
    ["[1]", undefined],
    ['"str"', undefined],
    ["null", undefined],
    [null, undefined],
    [undefined, undefined],
  ])("%j → %j", (input, expected) => {
    expect(parseExtraVars(input)).toEqual(expected);
  });
});

describe("malformed job bodies", () => {
  const server = serverPerTest();

  async function readError(reply: Reply): Promise<Error> {
    server.on("GET", "/api/v2/jobs/7/", reply);
    return thrown(clientFor(server).getJob({ kind: "job", id: 7 }));
  }

  it.each([
    [jobBody({ status: 3 }), '"status" must be a string (got number)', "status"],
    [jobBody({ id: undefined }), '"id" is missing (expected an integer)', "id"],
    [jobBody({ failed: "false" }), '"failed" must be a boolean (got string)', "failed"],
    [jobBody({ extra_vars: { a: 1 } }), '"extra_vars" must be a string (got object)', "extra_vars"],
    [jobBody({ started: 5 }), '"started" must be a string (got number)', "started"],
    [jobBody({ elapsed: "soon" }), '"elapsed" must be a number (got string)', "elapsed"],
    [jobBody({ artifacts: [1] }), '"artifacts" must be an object (got array)', "artifacts"],
    [
      jobBody({ job_template: "5" }),
      '"job_template" must be an integer (got string)',
      "job_template",
    ],
    [[jobBody()], "response body must be an object (got array)", "(body)"],
    ["null", "response body must be an object (got null)", "(body)"],
  ])("%# names the field: %s", async (body, message, field) => {
    const error = await readError(json(200, body));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toBe(`AAP GET /api/v2/jobs/7/: ${message}`);
    expect((error as ProviderError).details).toEqual({
      status: 200,
      method: "GET",
      path: "/api/v2/jobs/7/",
      operation: "getJob",
      field,
    });
    expect((error as ProviderError).outcomeUnknown).toBe(false);
  });

  it("reports a body that is not JSON", async () => {
    const error = await readError(json(200, '{"id": 7,'));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toBe(
      "AAP GET /api/v2/jobs/7/: response body is not valid JSON (content-type application/json)",
    );
    expect((error as ProviderError).details.field).toBe("(body)");
  });

  it("reports an empty body", async () => {
    const error = await readError(text(200, ""));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain("response body is not valid JSON");
  });

  it("flags an unreadable launch answer as outcome unknown (the job was probably created)", async () => {
    server.on("POST", "/api/v2/job_templates/5/launch/", json(201, { job: 42, status: "pending" }));
    const error = await thrown(clientFor(server).launch({ kind: "job_template", id: 5 }, {}));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toBe(
      'AAP POST /api/v2/job_templates/5/launch/: "id" is missing (expected a positive integer)',
    );
    expect((error as ProviderError).outcomeUnknown).toBe(true);
  });

  it("flags a launch answer of the wrong kind", async () => {
    server.on(
      "POST",
      "/api/v2/job_templates/5/launch/",
      json(201, jobBody({ type: "workflow_job" })),
    );
    const error = await thrown(clientFor(server).launch({ kind: "job_template", id: 5 }, {}));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as ProviderError).details.field).toBe("type");
  });

  it("reports bad list envelopes and ping bodies", async () => {
    server.on("GET", "/api/v2/jobs/", json(200, { results: {}, next: null }));
    server.on("GET", "/api/v2/ping/", json(200, { version: 24, ha: false }));
    server.on(
      "GET",
      "/api/v2/unified_job_templates/",
      json(200, { results: [{ type: "job_template", id: 1 }] }),
    );
    const client = clientFor(server);
    expect((await thrown(client.listJobs("job", {}))).message).toBe(
      'AAP GET /api/v2/jobs/: "results" must be an array (got object)',
    );
    expect((await thrown(client.ping())).message).toBe(
      'AAP GET /api/v2/ping/: "version" must be a string (got number)',
    );
    expect((await thrown(client.findTemplate("x", undefined))).message).toBe(
      'AAP GET /api/v2/unified_job_templates/: "results[0].name" is missing (expected a string)',
    );
  });
});
