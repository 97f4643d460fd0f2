/**
 * The hung-requests scenario (issue 21, P9): the conformance-only mutation run of AapProvider
 * found that no scenario aborts a call while the backend hangs, so an AapProvider that drops
 * the `AbortSignal` on its way to the AAP client survived the suite. The scenario holds job
 * reads, lookups, cancels, a launch and a template read unanswered on the AAP simulator and
 * aborts the call waiting on each: AapProvider settles every one within milliseconds and
 * passes; a client that sends any of those requests without the signal keeps waiting and
 * fails L1, and so does an EdaProvider in AAP mode whose deprovision reads drop it.
 */
import { AapClient, AapProvider } from "@provisionkit/provider-aap";
import { EdaProvider } from "@provisionkit/provider-eda";
import {
  aapSimulatorBackend,
  edaSimulatorBackend,
  runConformance,
  type ConformanceBackend,
  type ConformanceReport,
} from "@provisionkit/testing";
import { describe, expect, it } from "vitest";
import { aapProvider } from "../conformance/builtin.mjs";

type Options = { signal?: AbortSignal };
type Scenario = ConformanceReport["scenarios"][number];

/** The request options without their signal: what a call made without it sends. */
function unsignalled<T extends Options>(options: T | undefined): Omit<T, "signal"> {
  const { signal: _dropped, ...rest } = options ?? ({} as T);
  return rest;
}

/** Reads a job without its caller's signal. */
class UnsignalledRead extends AapClient {
  override getJob(...[ref, options]: Parameters<AapClient["getJob"]>) {
    return super.getJob(ref, unsignalled(options));
  }
}

/** Sends a cancel without its caller's signal. */
class UnsignalledCancel extends AapClient {
  override cancelJob(...[ref, options]: Parameters<AapClient["cancelJob"]>) {
    return super.cancelJob(ref, unsignalled(options));
  }
}

/** Sends a launch without its caller's signal. */
class UnsignalledLaunch extends AapClient {
  override launch(...[template, body, options]: Parameters<AapClient["launch"]>) {
    return super.launch(template, body, unsignalled(options));
  }
}

/** Reads the templates (before a launch) without its caller's signal. */
class UnsignalledTemplateRead extends AapClient {
  override findTemplate(...[name, organization, options]: Parameters<AapClient["findTemplate"]>) {
    return super.findTemplate(name, organization, unsignalled(options));
  }
}

/** Lists jobs (a lookup) without its caller's signal. */
class UnsignalledList extends AapClient {
  override listJobs(...[kind, filters, options]: Parameters<AapClient["listJobs"]>) {
    return super.listJobs(kind, filters, unsignalled(options));
  }
}

/** An EdaProvider in AAP mode whose provision events are sent without the caller's signal. */
class UnsignalledEvents extends EdaProvider {
  override triggerProvision(...[resource, options]: Parameters<EdaProvider["triggerProvision"]>) {
    return super.triggerProvision(resource, { ...options, signal: new AbortController().signal });
  }
}

type AapSource = ReturnType<typeof aapProvider>;

/**
 * The EDA backend with an EdaProvider in AAP mode (`Provider` to build it with), its AAP source
 * changed by `adapt` when given.
 */
function edaInAapMode(
  Provider: typeof EdaProvider = EdaProvider,
  adapt: (source: AapSource) => void = () => undefined,
) {
  return edaSimulatorBackend({
    provider: ({ webhookUrl, hmacSecret, aap, now }) => {
      const source = aapProvider({ ...aap, now }, { client: { retry: { initialDelayMs: 10 } } });
      adapt(source);
      return new Provider({
        target: { type: "webhook", url: webhookUrl },
        auth: { type: "hmac", secret: hmacSecret },
        aap: source,
        now,
      });
    },
  });
}

/**
 * The AAP source reads deprovision jobs without the caller's signal (the surviving mutant of
 * EdaProvider's `aap-mode.ts` line 224 in the 8b80217 run).
 */
function readDeprovisionsUnsignalled(source: AapSource): void {
  const original = source.getDeprovisionStatus.bind(source);
  // A signal nobody aborts: the caller's is dropped.
  const never = new AbortController().signal;
  source.getDeprovisionStatus = (resource, jobId) => original(resource, jobId, { signal: never });
}

/** The AAP backend with AapProvider, on a client of class `Client` when given. */
function aapBackend(Client?: typeof AapClient) {
  return aapSimulatorBackend({
    provider: (endpoint) =>
      Client
        ? new AapProvider({
            client: new Client({
              url: endpoint.url,
              auth: { type: "bearer", token: endpoint.token },
              retry: { initialDelayMs: 10 },
            }),
            now: endpoint.now,
          })
        : aapProvider(endpoint),
  });
}

/** The methods whose calls the scenario aborted while they waited on a held request. */
function abortedMethods(scenario: Scenario): string[] {
  const aborted = scenario.timelines
    .flatMap((t) => t.marks.map((m) => m.label))
    .filter((label) => label.includes("waited on a held request"));
  for (const label of aborted) expect(label).toMatch(/it threw AbortedError \(code ABORTED\)/);
  return [...new Set(aborted.map((label) => label.split(" ")[0] ?? label))].sort();
}

/** Runs hung-requests alone on `backend`. */
async function run(backend: () => ConformanceBackend): Promise<Scenario> {
  const report = await runConformance({ backend, scenarios: ["hung-requests"] });
  const scenario = report.scenarios.find((s) => s.id === "hung-requests");
  if (!scenario) throw new Error("hung-requests did not run");
  return scenario;
}

/** The scenario failed, its first L1 violation on `method`, which ignored its signal. */
function expectL1On(scenario: Scenario, method: string): void {
  expect(scenario.status).toBe("failed");
  const l1 = scenario.violations.filter((v) => v.rule === "L1").map((v) => v.message);
  expect(l1[0]).toMatch(new RegExp(`^L1: ${method}\\(conformance/w1`));
  expect(l1[0]).toMatch(/it ignores its AbortSignal \(P9\)/);
}

describe("hung-requests: every call waiting on a held request settles once aborted (P9)", () => {
  it("AapProvider passes, each held status read, lookup, cancel, launch and template read aborted and settled", async () => {
    const scenario = await run(() => aapBackend());
    expect(scenario.status, JSON.stringify(scenario.violations)).toBe("passed");
    expect(abortedMethods(scenario)).toEqual([
      "cancelJob",
      "findJob",
      "getDeprovisionStatus",
      "getProvisionStatus",
      "triggerDeprovision",
      "triggerProvision",
    ]);
  });

  it("EdaProvider in AAP mode passes, its held reads, lookups, cancels and provision event aborted and settled", async () => {
    const scenario = await run(() => edaInAapMode());
    expect(scenario.status, JSON.stringify(scenario.violations)).toBe("passed");
    expect(abortedMethods(scenario)).toEqual([
      "cancelJob",
      "findJob",
      "getDeprovisionStatus",
      "getProvisionStatus",
      "triggerProvision",
    ]);
  });

  it("an EdaProvider sending its provision event without the signal fails L1 on triggerProvision", async () => {
    const scenario = await run(() => edaInAapMode(UnsignalledEvents));
    expectL1On(scenario, "triggerProvision");
    expect(new Set(scenario.violations.map((v) => v.rule))).toEqual(new Set(["L1"]));
  });

  for (const [name, Client, method] of [
    ["a status read", UnsignalledRead, "getProvisionStatus"],
    ["a cancel", UnsignalledCancel, "cancelJob"],
    ["a lookup", UnsignalledList, "findJob"],
    ["a launch", UnsignalledLaunch, "triggerProvision"],
    ["a template read", UnsignalledTemplateRead, "triggerDeprovision"],
  ] as const) {
    it(`a client that sends ${name} without the signal fails L1 on ${method}`, async () => {
      const scenario = await run(() => aapBackend(Client));
      expectL1On(scenario, method);
      expect(new Set(scenario.violations.map((v) => v.rule))).toEqual(new Set(["L1"]));
    });
  }

  it("an EdaProvider in AAP mode reading its deprovision job without the signal fails L1 on getDeprovisionStatus", async () => {
    const scenario = await run(() => edaInAapMode(EdaProvider, readDeprovisionsUnsignalled));
    expectL1On(scenario, "getDeprovisionStatus");
  });
});
