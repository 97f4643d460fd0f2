// The built-in providers on the simulators, as a provisionkit-conformance module (run on the
// built packages):
//   node packages/testing/dist/cli/bin.js integration/conformance/builtin.mjs --html report.html
// and the one place integration/ builds them for the ready-made backends: conformance.test.ts
// runs these subjects through vitest, operator.mjs and conformance-backends.test.ts build their
// providers with aapProvider / edaProvider (typed by builtin.d.mts).
import { AapProvider } from "@provisionkit/provider-aap";
import { EdaProvider } from "@provisionkit/provider-eda";
import { aapSimulatorBackend, edaSimulatorBackend } from "@provisionkit/testing";

/** The backend's chosen `blockDeletionOnFailure`, passed on when it chose one. */
function flag(value) {
  return value === undefined ? {} : { blockDeletionOnFailure: value };
}

/** The scenario's clock, unless the provider runs in real time. */
function clock(now, realTime) {
  return realTime ? {} : { now };
}

/**
 * An AapProvider on an AAP simulator endpoint (`aapSimulatorBackend`'s, or the AAP behind an
 * EDA simulator): `realTime` leaves the scenario's clock out, `client` adds client options,
 * anything else is an AapProvider option.
 */
export function aapProvider(endpoint, { realTime = false, client = {}, ...options } = {}) {
  const { url, token, now, blockDeletionOnFailure } = endpoint;
  return new AapProvider({
    client: { url, auth: { type: "bearer", token }, ...client },
    ...clock(now, realTime),
    ...flag(blockDeletionOnFailure),
    ...options,
  });
}

/**
 * An EdaProvider on an EDA simulator endpoint (webhook source with HMAC). `aapMode` puts it in
 * AAP mode on an AapProvider for the simulator's AAP (`aapClient` adds its client options):
 * the rules launch the conventional template names, which the AapProvider's default names
 * find. `realTime` leaves the scenario's clock out; anything else is an EdaProvider option.
 */
export function edaProvider(
  endpoint,
  { aapMode = false, aapClient = {}, realTime = false, ...options } = {},
) {
  const { webhookUrl, hmacSecret, aap, now, blockDeletionOnFailure, jobTimeoutMs } = endpoint;
  const source = () => aapProvider({ ...aap, now }, { realTime, client: aapClient });
  return new EdaProvider({
    target: { type: "webhook", url: webhookUrl },
    auth: { type: "hmac", secret: hmacSecret },
    ...(aapMode ? { aap: source() } : {}),
    ...clock(now, realTime),
    ...flag(blockDeletionOnFailure),
    ...(jobTimeoutMs !== undefined && {
      provisionTimeoutMs: jobTimeoutMs,
      deprovisionTimeoutMs: jobTimeoutMs,
    }),
    ...options,
  });
}

/** The endpoint with its URL pinned to the classic `/api/v2/` prefix (no discovery). */
function classicApi(endpoint) {
  return { ...endpoint, url: `${endpoint.url.replace(/\/$/, "")}/api/v2/` };
}

/**
 * The AapProvider subjects' client retries wait 10 ms before the first retry (doubling: 150 ms
 * for the four), not the default 500 ms (7.5 s for the four). The retry *count* stays the
 * default (4: five attempts), so the scenarios with 503s keep their meaning: the six
 * consecutive 503s of transient-read-outage and lookup-outage-after-lost-answer still outlast
 * the client's own retries. No scenario is about how long a retry waits, and these waits are
 * the only real time in the suite's virtual-time scenarios: with the default they took ~25 s
 * of each AAP subject's ~28 s (transient-failure 1.5 s, lookup-outage-after-lost-answer 8 s,
 * transient-read-outage 16 s). operator.mjs shortens its retries the same way, and so does
 * the EdaProvider subject in AAP mode for its AAP client (its reads fail in
 * delete-during-read-outage: 17 s of real time with the default waits, 0.5 s without).
 */
const QUICK_RETRY = { client: { retry: { initialDelayMs: 10 } } };

/** An AapProvider for the suite's subjects: {@link aapProvider} with {@link QUICK_RETRY}. */
function suiteAapProvider(endpoint) {
  return aapProvider(endpoint, QUICK_RETRY);
}

/** The built-in provider configurations, one conformance subject each. */
export default [
  {
    subject: "AapProvider (job templates) on the AAP simulator",
    backend: () => aapSimulatorBackend({ provider: suiteAapProvider }),
  },
  {
    subject: "AapProvider (workflow job templates) on the AAP simulator",
    backend: () => aapSimulatorBackend({ workflow: true, provider: suiteAapProvider }),
  },
  // The subjects above discover the API path (the simulator's gateway: /api/controller/v2/);
  // these two pin the classic /api/v2/ prefix.
  {
    subject: "AapProvider (job templates, /api/v2/) on the AAP simulator",
    backend: () =>
      aapSimulatorBackend({ provider: (endpoint) => suiteAapProvider(classicApi(endpoint)) }),
  },
  {
    subject: "AapProvider (workflow job templates, /api/v2/) on the AAP simulator",
    backend: () =>
      aapSimulatorBackend({
        workflow: true,
        provider: (endpoint) => suiteAapProvider(classicApi(endpoint)),
      }),
  },
  // AWX versions differ in how a pending job's cancel ends: at this AWX commit inside the
  // cancel request; newer AWX (ansible/awx#16325) leaves it to the task manager. AapProvider
  // is checked on both.
  {
    subject:
      "AapProvider (job templates) on the AAP simulator as newer AWX (pending cancel by the task manager)",
    backend: () =>
      aapSimulatorBackend({
        simulator: { pendingCancel: "task-manager" },
        provider: suiteAapProvider,
      }),
  },
  // A `payload` option that returns no object leaves the event payload without annotations:
  // the `provisionkit` extra var is then the jobs' only launch record (launch-record.ts), the
  // path that the other subjects, whose payload carries both copies, never read alone.
  {
    subject: "AapProvider (job templates, a payload that is no object) on the AAP simulator",
    backend: () =>
      aapSimulatorBackend({
        provider: (endpoint) =>
          aapProvider(endpoint, {
            ...QUICK_RETRY,
            payload: (resource) => JSON.stringify(resource.spec ?? null),
          }),
      }),
  },
  // A custom object payload without `metadata.uid`: the annotations then name the launch but
  // not the resource, and the uid comes only from the `provisionkit` extra var of the same
  // launch (launch-record.ts fills it in), which P10's uid check needs (restored-status).
  {
    subject: "AapProvider (job templates, a payload without the uid) on the AAP simulator",
    backend: () =>
      aapSimulatorBackend({
        provider: (endpoint) =>
          aapProvider(endpoint, {
            ...QUICK_RETRY,
            payload: (resource) => ({
              apiVersion: resource.apiVersion,
              kind: resource.kind,
              metadata: { name: resource.metadata.name, namespace: resource.metadata.namespace },
              spec: resource.spec,
            }),
          }),
      }),
  },
  {
    subject: "EdaProvider (webhook, HMAC) on the EDA simulator",
    backend: () => edaSimulatorBackend({ provider: (endpoint) => edaProvider(endpoint) }),
  },
  {
    subject: "EdaProvider in AAP mode on the EDA simulator",
    backend: () =>
      edaSimulatorBackend({
        provider: (endpoint) =>
          edaProvider(endpoint, { aapMode: true, aapClient: QUICK_RETRY.client }),
      }),
  },
  // The same with a custom object payload without `metadata.uid`: the rules' AAP jobs then
  // carry records that name no resource (ownership.ts, rule 5), which the AapProvider behind
  // AAP mode must accept on the correlation id and operation alone.
  {
    subject: "EdaProvider in AAP mode, a payload without the uid, on the EDA simulator",
    backend: () =>
      edaSimulatorBackend({
        provider: (endpoint) =>
          edaProvider(endpoint, {
            aapMode: true,
            aapClient: QUICK_RETRY.client,
            payload: (resource) => ({
              apiVersion: resource.apiVersion,
              kind: resource.kind,
              metadata: { name: resource.metadata.name, namespace: resource.metadata.namespace },
              spec: resource.spec,
            }),
          }),
      }),
  },
];
