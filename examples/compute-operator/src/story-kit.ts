/**
 * What both stories of the demo share besides the world: the job template names, an AAP
 * simulator with the two templates, and the numbered operator instances that the status
 * line shows.
 */
import {
  startOperatorServer,
  type OperatorServer,
  type ProvisioningController,
} from "@provisionkit/core/kubernetes";
import {
  AapSimulator,
  type AapJobScript,
  type AapLedgerJob,
  type AapTemplateDefinition,
  type EdaRule,
} from "@provisionkit/testing";
import type { DemoWorld } from "./demo-world.js";
import type { ComputeInstance } from "./operator.js";

/** The provision job template (and, in the EDA story, webhook endpoint). */
export const CREATE = "create-compute-instance";
/** The deprovision job template (and, in the EDA story, webhook endpoint). */
export const DELETE = "delete-compute-instance";

/** The rulebook's rules: each webhook endpoint launches the job template of the same name. */
export const DEMO_RULES: readonly EdaRule[] = [
  { endpoint: CREATE, template: CREATE },
  { endpoint: DELETE, template: DELETE },
];

/** Adds the {@link CREATE} and {@link DELETE} job templates, both allowing simultaneous jobs. */
export function addDemoTemplates(
  aap: AapSimulator,
  script?: AapTemplateDefinition["script"],
): void {
  for (const name of [CREATE, DELETE]) {
    aap.addJobTemplate({ name, allowSimultaneous: true, ...(script ? { script } : {}) });
  }
}

/** A job script in words, for the line that announces what AAP will do. */
export const describeScript = (script: AapJobScript): string =>
  `${script.outcome ?? "successful"} after ${((script.runMs ?? 2500) / 1000).toFixed(1)}s of running`;

/** The story's AAP simulator. */
export interface DemoAap {
  readonly aap: AapSimulator;
  /** The jobs AAP ran for one resource of the story, in launch order. */
  readonly jobsOf: (name: string) => AapLedgerJob[];
}

/**
 * Starts an AAP simulator with the {@link CREATE} and {@link DELETE} job templates (both
 * allowing simultaneous jobs); its jobs queue 300 ms, wait 300 ms and run 2.5 s by default.
 *
 * @param world - The story's world (whose resources the jobs are for).
 * @param options - A cancel delay for the default script; the templates' own script.
 */
export async function startDemoAap(
  world: DemoWorld,
  options: { cancelDelayMs?: number; script?: AapTemplateDefinition["script"] } = {},
): Promise<DemoAap> {
  const { cancelDelayMs, script } = options;
  const aap = new AapSimulator({
    defaultScript: {
      pendingMs: 300,
      waitingMs: 300,
      runMs: 2500,
      ...(cancelDelayMs === undefined ? {} : { cancelDelayMs }),
    },
  });
  addDemoTemplates(aap, script);
  await aap.start();
  return {
    aap,
    jobsOf: (name) => aap.ledger().filter((job) => job.resourceKey === world.keyOf(name)),
  };
}

/** One operator process of the story: its controller and its metrics and health server. */
export interface OperatorInstance {
  readonly controller: ProvisioningController<ComputeInstance>;
  /** `/metrics`, `/healthz`, `/readyz` on a free loopback port. */
  readonly server: OperatorServer;
  /** Stops the controller, then the server. */
  stop(): Promise<void>;
}

/**
 * A way to start operator instances one after another: each is started with its server
 * (the world's metrics registry on a free loopback port) and shown as
 * `running (instance #n)` through `show`.
 */
export function operatorInstances(
  world: DemoWorld,
  make: () => ProvisioningController<ComputeInstance>,
  show: (state: string) => void,
): () => Promise<OperatorInstance> {
  let instances = 0;
  return async () => {
    instances += 1;
    const controller = make();
    await controller.start();
    const server = await startOperatorServer({
      controller,
      metrics: world.prometheus.registry,
      port: 0,
      host: "127.0.0.1",
    });
    show(`running (instance #${instances})`);
    return {
      controller,
      server,
      stop: async () => {
        await controller.stop();
        await server.stop();
      },
    };
  };
}
