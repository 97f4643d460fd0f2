import { configVersion } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { AapProvider, kebabCase, templateNameFor } from "../src/index.ts";
import {
  call,
  computeInstance,
  hostPool,
  startAap,
  type AapFixture,
  failure,
} from "./support/fixture.ts";

const V1 = configVersion({ cores: 2 });
const launches = (f: AapFixture) => f.sim.requests().filter((r) => r.operation === "launch");
const lookups = (f: AapFixture) => f.sim.requests().filter((r) => r.operation === "template-list");

/** A template listing that still says the template prompts for variables (a stale view). */
function staleListing(id: number, type: "job_template" | "workflow_job_template", name: string) {
  return {
    type: "malformed" as const,
    body: {
      count: 1,
      next: null,
      previous: null,
      results: [
        {
          id,
          type,
          name,
          ask_variables_on_launch: true,
          summary_fields: { organization: { id: 1, name: "Default" } },
        },
      ],
    },
  };
}

describe("template names", () => {
  it("kebab-cases kinds, acronyms included", () => {
    expect(kebabCase("ComputeInstance")).toBe("compute-instance");
    expect(kebabCase("VMSnapshot")).toBe("vm-snapshot");
    expect(kebabCase("hostPool")).toBe("host-pool");
    expect(kebabCase("Cluster")).toBe("cluster");
  });

  it("takes per-kind names, then global names, then the prefix convention", () => {
    const vm = computeInstance("a");
    expect(templateNameFor({}, vm, "provision")).toEqual({ name: "create-compute-instance" });
    expect(
      templateNameFor({ prefix: "osac-", verbs: { deprovision: "destroy" } }, vm, "deprovision"),
    ).toEqual({ name: "osac-destroy-compute-instance" });
    expect(
      templateNameFor({ provision: "everything", organization: "Ops" }, vm, "provision"),
    ).toEqual({ name: "everything", organization: "Ops" });
    expect(
      templateNameFor(
        {
          provision: "everything",
          organization: "Ops",
          kinds: { ComputeInstance: { provision: "vm-up", organization: "Compute" } },
        },
        vm,
        "provision",
      ),
    ).toEqual({ name: "vm-up", organization: "Compute" });
  });

  it("needs a kind for the convention", () => {
    const resource = { metadata: { name: "kindless" } };
    expect(() => templateNameFor({}, resource, "provision")).toThrow(/no kind/);
    expect(templateNameFor({ provision: "x" }, resource, "provision")).toEqual({ name: "x" });
  });
});

describe("template resolution against AAP", () => {
  it("picks the template of the configured organization when names repeat", async () => {
    const fx = await startAap({
      templates: (sim) => {
        sim.addJobTemplate({ name: "create-compute-instance", organization: "Lab" });
        sim.addJobTemplate({ name: "create-compute-instance", organization: "Prod" });
      },
      provider: { templates: { organization: "Prod" } },
    });
    await fx.provider.triggerProvision(computeInstance("vm-1"), { ...call(), configVersion: V1 });
    expect(fx.sim.ledger().map((j) => j.organization)).toEqual(["Prod"]);
  });

  it("refuses to guess between organizations when none is configured", async () => {
    const fx = await startAap({
      templates: (sim) => {
        sim.addJobTemplate({ name: "create-compute-instance", organization: "Lab" });
        sim.addJobTemplate({ name: "create-compute-instance", organization: "Prod" });
      },
    });
    const error = await failure(
      fx.provider.triggerProvision(computeInstance("vm-1"), { ...call(), configVersion: V1 }),
    );
    expect(error.code).toBe("CONFIGURATION");
    expect(error.message).toMatch(/organization/);
    expect(launches(fx)).toHaveLength(0);
  });

  it("names a missing template in a configuration error and launches nothing", async () => {
    const fx = await startAap({ templates: () => {} });
    const error = await failure(
      fx.provider.triggerProvision(computeInstance("vm-1"), { ...call(), configVersion: V1 }),
    );
    expect(error.code).toBe("CONFIGURATION");
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('"create-compute-instance"');
    expect(launches(fx)).toHaveLength(0);
  });

  it("caches lookups for the TTL and looks up again after it", async () => {
    const fx = await startAap({ provider: { templateCacheTtlMs: 60_000 } });
    const vm = computeInstance("vm-1");
    await fx.provider.triggerProvision(vm, { ...call("a"), configVersion: V1 });
    await fx.provider.triggerProvision(vm, { ...call("b"), configVersion: V1 });
    expect(lookups(fx)).toHaveLength(1);
    fx.clock.advance(60_001);
    await fx.provider.triggerProvision(vm, { ...call("c"), configVersion: V1 });
    expect(lookups(fx)).toHaveLength(2);
    expect(launches(fx)).toHaveLength(3);
  });

  it("drops the cached template when a launch answers 404 and looks it up again once", async () => {
    const fx = await startAap();
    const vm = computeInstance("vm-1");
    await fx.provider.triggerProvision(vm, { ...call("a"), configVersion: V1 });
    fx.sim.faults.inject({
      operation: "launch",
      action: { type: "status", status: 404, body: { detail: "Not found." } },
    });
    const error = await failure(
      fx.provider.triggerProvision(vm, { ...call("b"), configVersion: V1 }),
    );
    expect(error.code).toBe("CONFIGURATION");
    expect(lookups(fx)).toHaveLength(2);
    expect(launches(fx)).toHaveLength(2);
    expect(fx.sim.ledger()).toHaveLength(1);
  });
});

describe("prompt on launch", () => {
  it("refuses to launch a job template that would ignore extra_vars, saying how to fix it", async () => {
    const fx = await startAap({
      templates: (sim) =>
        sim.addJobTemplate({ name: "create-compute-instance", askVariablesOnLaunch: false }),
    });
    const error = await failure(
      fx.provider.triggerProvision(computeInstance("vm-1"), { ...call(), configVersion: V1 }),
    );
    expect(error.code).toBe("CONFIGURATION");
    expect(error.message).toContain("ask_variables_on_launch");
    expect(error.message).toContain("Prompt on launch");
    expect(error.details.field).toBe("ask_variables_on_launch");
    expect(launches(fx)).toHaveLength(0);
  });

  it("cancels a job AAP created with its extra_vars ignored (template changed after lookup)", async () => {
    let id = 0;
    const fx = await startAap({
      templates: (sim) => {
        id = sim.addJobTemplate({ name: "create-compute-instance", askVariablesOnLaunch: false });
      },
    });
    fx.sim.faults.inject({
      operation: "template-list",
      action: staleListing(id, "job_template", "create-compute-instance"),
    });
    const error = await failure(
      fx.provider.triggerProvision(computeInstance("vm-1"), { ...call(), configVersion: V1 }),
    );
    expect(error.code).toBe("CONFIGURATION");
    expect(error.message).toMatch(/ignored its extra_vars \(cancelled it\)/);
    const [job] = fx.sim.ledger();
    expect(Object.keys(job!.ignoredFields)).toContain("extra_vars");
    expect(job!.cancelRequestedAt).toBeDefined();
    expect(job!.status).toBe("canceled");
  });

  it("explains a workflow template that does not prompt for variables", async () => {
    const fx = await startAap({
      templates: (sim) =>
        sim.addWorkflowTemplate({ name: "create-host-pool", askVariablesOnLaunch: false }),
    });
    const error = await failure(
      fx.provider.triggerProvision(hostPool("pool-1"), { ...call(), configVersion: V1 }),
    );
    expect(error.message).toContain("workflow job template");
    expect(error.message).toContain("ask_variables_on_launch");
    expect(launches(fx)).toHaveLength(0);
  });

  it("re-reads a workflow template after AAP rejects its variables with 400", async () => {
    let id = 0;
    const fx = await startAap({
      templates: (sim) => {
        id = sim.addWorkflowTemplate({ name: "create-host-pool", askVariablesOnLaunch: false });
      },
    });
    fx.sim.faults.inject({
      operation: "template-list",
      action: staleListing(id, "workflow_job_template", "create-host-pool"),
    });
    const error = await failure(
      fx.provider.triggerProvision(hostPool("pool-1"), { ...call(), configVersion: V1 }),
    );
    expect(error.code).toBe("CONFIGURATION");
    expect(error.message).toContain("ask_variables_on_launch");
    expect(launches(fx)).toHaveLength(1);
    expect(lookups(fx)).toHaveLength(2);
    expect(fx.sim.ledger()).toHaveLength(0);
  });
});

describe("options", () => {
  it("rejects an empty name (P1) and bad numbers", () => {
    const client = {
      url: "http://127.0.0.1:1/api/v2/",
      auth: { type: "bearer", token: "t" },
    } as const;
    expect(() => new AapProvider({ client, name: " " })).toThrow(/non-empty/);
    expect(() => new AapProvider({ client, findJobMaxPages: 0 })).toThrow(/findJobMaxPages/);
    expect(() => new AapProvider({ client, templateCacheTtlMs: -1 })).toThrow(/templateCacheTtlMs/);
    expect(new AapProvider({ client }).name).toBe("aap");
  });
});
