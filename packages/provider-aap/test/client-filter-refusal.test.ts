import {
  AuthenticationError,
  ConfigurationError,
  isProviderError,
  type ProviderError,
} from "@provisionkit/core";
import { describe, expect, it, onTestFinished } from "vitest";
import { AapSimulator, VirtualClock } from "@provisionkit/testing";
import { AapClient, FILTER_NOT_ALLOWED } from "../src/index.ts";
import { TOKEN } from "./support/fixture.ts";

// AWX answers a filter on a `prevent_search` field with 403
// {"detail": "Filtering on extra_vars is not allowed."} (github:ansible/django-ansible-base
// ansible_base/rest_filters/utils.py:57-60; the simulator refuses it the same way). That 403
// is not an authentication failure.

async function clientOn(api: string): Promise<{ sim: AapSimulator; client: AapClient }> {
  const sim = new AapSimulator({ clock: new VirtualClock() });
  sim.addJobTemplate({ name: "jt" });
  const url = await sim.start();
  onTestFinished(() => sim.stop());
  const client = new AapClient({
    url: `${url}${api}`,
    auth: { type: "bearer", token: TOKEN },
    timeoutMs: 5000,
    retry: { retries: 2, initialDelayMs: 100 },
    sleep: () => Promise.resolve(),
  });
  return { sim, client };
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isProviderError(error)) throw new Error(`expected a ProviderError, got ${String(error)}`);
  return error;
}

describe.each(["/api/v2/", "/api/controller/v2/"])("a 403 refusing a filter, through %s", (api) => {
  it.each(["job", "workflow_job"] as const)(
    "the old findJob query on %s lists is a ConfigurationError naming the field, not retried",
    async (kind) => {
      const { sim, client } = await clientOn(api);
      const error = await failure(
        client.listJobs(kind, {
          [kind === "job" ? "job_template" : "workflow_job_template"]: 1,
          extra_vars__icontains: "corr-1",
        }),
      );
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error).not.toBeInstanceOf(AuthenticationError);
      expect(error.code).toBe(FILTER_NOT_ALLOWED);
      expect(error.retryable).toBe(false);
      expect(error.details).toMatchObject({ status: 403, field: "extra_vars" });
      expect(error.message).toContain("Filtering on extra_vars is not allowed.");
      expect(error.message).toContain("prevent_search");
      const lists = sim.requests().filter((r) => r.operation === "job-list");
      expect(lists.map((r) => r.status)).toEqual([403]);
    },
  );

  it("any other 403 stays an AuthenticationError", async () => {
    const { sim, client } = await clientOn(api);
    sim.faults.inject({
      operation: "job-list",
      action: {
        type: "status",
        status: 403,
        body: { detail: "You do not have permission to perform this action." },
      },
    });
    const error = await failure(client.listJobs("job", { job_template: 1 }));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.code).not.toBe(FILTER_NOT_ALLOWED);
  });
});
