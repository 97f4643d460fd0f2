// The ComputeInstance operator's soak subjects (the operator suite's `soak`), one per built-in
// provider, run on the built packages by `pnpm soak` (soak-run.mjs: per seed and provider,
// `pnpm soak seeds=1..20 lifecycles=30`), by the CLI:
//   node packages/testing/dist/cli/bin.js integration/conformance/soak.mjs \
//     --soak lifecycles=200,faultRate=0.05,seed=7
// and, short, by integration/test/operator-soak.test.ts (typed by soak.d.mts).
// The operator is operator.mjs's, with two settings a soak needs:
// - its informer restarts a dropped watch after 50 ms (doubling to 500 ms), not the default
//   1 s: the soak drops watches and compacts often, and E3 wants the reconciled version
//   within 1.5 s of a job's success;
// - the AapProvider's client gives up on an answer after 1 s and retries twice, so that the
//   soak's slow answers (1.5 s) are longer than its timeout: a launch it gave up on was
//   carried out all the same, and must be adopted, not launched again;
// - the AAP simulator kills requests after 2 s (AWX's harakiri, scaled down) and the
//   AapProvider declares launchSettleMs 3 s to match: a launch whose answer was lost (a reset)
//   is proven absent after 3 s rather than the 5 minutes AWX's real limits need.
import { defaultStatusMapping, ProvisioningController } from "@provisionkit/core/kubernetes";
import { aapSimulatorBackend, edaSimulatorBackend } from "@provisionkit/testing";
import { aapProvider, edaProvider } from "./builtin.mjs";
import { CRD, FINALIZER } from "./operator.mjs";

const SCRIPT = { pendingMs: 20, waitingMs: 20, runMs: 150, cancelDelayMs: 50 };
/**
 * An AWX whose uwsgi kills a request 2 s after it started (harakiri, no graceful timeout;
 * nginx gives up at 2.5 s): the soak's slow answers (1.5 s) are carried out, nothing later.
 * AWX's own limits are minutes, which a soak in real time cannot wait out.
 */
const SIMULATOR = {
  defaultScript: SCRIPT,
  harakiriMs: 2_000,
  harakiriGracefulMs: 0,
  proxyReadTimeoutMs: 2_500,
};
/**
 * The AapProvider's launchSettleMs for that AWX: a launch whose answer was lost is known to
 * have created no job 3 s after its request ended (past the 2 s kill), and is launched again.
 */
const LAUNCH_SETTLE_MS = 3_000;
/**
 * The EdaProvider's settings for that AWX, scaled as the simulator's are. An event EDA took
 * but could not turn into a job (its launch of the template met one of the soak's AAP faults:
 * ansible-rulebook's run_job_template does not retry by default) is lost, and the EdaProvider
 * learns it only from its timeout (defaults 60 and 30 minutes): 8 s here, several times a job's
 * worst path in the soak (a 1.5 s slow launch, a 1 s Retry-After, the write-back), so that a
 * lost event is retried within a lifecycle's 30 s. A deprovision that timed out blocks the
 * deletion and is retried (`blockDeletionOnFailure`), as the AapProvider does by default: with
 * `false`, a lost delete event releases the object with its provision still standing, which
 * the soak reports as an orphan.
 */
const EDA_SCALED = {
  provisionTimeoutMs: 8_000,
  deprovisionTimeoutMs: 8_000,
  blockDeletionOnFailure: true,
  requestTimeoutMs: 2_000,
};
/**
 * The engine options of the operator with the EdaProvider: its pending-launch grace above the
 * provider's launch timeout (2 s, one request, `requestTimeoutMs`), as the engine's option
 * asks (`EngineOptions.pendingLaunchGraceMs`). The suite's fast 300 ms is below it: while one
 * controller's event was still being sent, the other (two run at once) counted the launch's
 * outcome unknown, and its write of that (`LaunchOutcomeUnknown`) refused the first
 * controller's record of the job (409): with no `findJob`, the object waited for a human
 * (seed 7, 60 lifecycles: 5 of the 9 lost records). The AapProvider has `findJob`: the
 * fast grace only makes it look sooner.
 */
const EDA_ENGINE = { pendingLaunchGraceMs: 3_000 };
/** The AAP client's options in the soak: answers slower than 1 s are given up on. */
const CLIENT = { timeoutMs: 1_000, retry: { initialDelayMs: 10, retries: 2 } };

function operator(env) {
  return new ProvisioningController({
    kubeConfig: env.kubeConfig,
    resource: {
      group: CRD.group,
      version: CRD.version,
      plural: CRD.plural,
      kind: CRD.kind,
      namespace: env.namespace,
    },
    provider: env.provider,
    finalizer: FINALIZER,
    desiredConfig: (object) => object.spec,
    statusMapping: defaultStatusMapping(),
    engine: { ...env.engine },
    resyncIntervalMs: 0,
    watchRestartBackoff: { initialMs: 50, maxMs: 500 },
  });
}

/** The built-in providers on their simulators, for the soak. */
export const SOAK_BACKENDS = {
  AapProvider: () =>
    aapSimulatorBackend({
      simulator: SIMULATOR,
      provider: (endpoint) =>
        aapProvider(endpoint, {
          realTime: true,
          client: CLIENT,
          launchSettleMs: LAUNCH_SETTLE_MS,
        }),
    }),
  EdaProvider: () =>
    edaSimulatorBackend({
      aap: { simulator: SIMULATOR },
      provider: (endpoint) =>
        edaProvider(endpoint, {
          realTime: true,
          pollIntervalMs: 50,
          minEventIntervalMs: 0,
          ...EDA_SCALED,
        }),
    }),
};

/**
 * Each provider call's deadline (L1) in the soak: above the AAP client's worst case under its
 * faults (3 attempts of at most 1 s, each possibly after a 1 s Retry-After: about 6 s), which
 * the default (4 s) is not.
 */
const CALL_DEADLINE_MS = 10_000;

/** The operator suite's options for a soak of the ComputeInstance operator on `backend`. */
export function soakSubject(backend) {
  return {
    ...(backend === SOAK_BACKENDS.EdaProvider ? { engine: EDA_ENGINE } : {}),
    crd: CRD,
    operator,
    finalizer: FINALIZER,
    spec: (index) => ({ cores: index + 1 }),
    backend,
    callDeadlineMs: CALL_DEADLINE_MS,
  };
}

/** One operator subject per built-in provider. */
export default Object.entries(SOAK_BACKENDS).map(([name, backend]) => ({
  suite: "operator",
  subject: `ComputeInstance operator with ${name} on its simulator`,
  ...soakSubject(backend),
}));
