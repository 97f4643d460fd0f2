/**
 * What a black-box run shares across its scenarios: the Kubernetes API (a simulator, or the
 * caller's cluster), the AAP simulator with the two templates, the kubeconfig file handed to
 * the operator, and the environment contract.
 *
 * @module
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../clock.js";
import { AapRun } from "../backends/aap-run.js";
import type { ConformanceJob } from "../types.js";
import { ScenarioCluster } from "../operator/cluster.js";
import { resolveStatusMap, StatusReader } from "./status-map.js";
import type { BlackBoxConformanceOptions, BlackBoxEnv } from "./types.js";

/** A job's length unless a scenario scripts it, ms. */
export const DEFAULT_JOB_MS = 300;
/** Time a scripted job spends pending, and again waiting, before it runs, ms. */
const QUEUE_MS = 50;
/** How long after a cancel request a running job ends canceled, ms. */
export const CANCEL_MS = 100;

/** The simulators and files of one black-box run. */
export class Stage {
  private constructor(
    readonly cluster: ScenarioCluster,
    readonly aap: AapRun,
    /** The AAP simulator's base URL. */
    readonly aapUrl: string,
    /** The environment contract handed to the operator. */
    readonly env: BlackBoxEnv,
    /** Reads objects and jobs through the status map. */
    readonly reader: StatusReader,
    readonly options: BlackBoxConformanceOptions,
    readonly jobMs: number,
    private readonly dir: string,
  ) {}

  /** Start the simulators and write the kubeconfig file. */
  static async open(options: BlackBoxConformanceOptions): Promise<Stage> {
    const reader = new StatusReader(resolveStatusMap(options.statusMap));
    const jobMs = options.aap?.jobMs ?? DEFAULT_JOB_MS;
    const cluster = await ScenarioCluster.open(
      options.crd,
      options.kubeconfig === undefined
        ? undefined
        : {
            kubeconfig: options.kubeconfig,
            ...(options.namespace ? { namespace: options.namespace } : {}),
          },
    );
    const dir = await mkdtemp(join(tmpdir(), "provisionkit-blackbox-"));
    let aap: AapRun | undefined;
    try {
      const { group, version, plural, kind } = options.crd;
      aap = new AapRun(
        {
          clock: systemClock,
          kubernetes: { kubeconfig: () => cluster.kubeconfigText },
          resource: { group, version, plural, kind },
        },
        {
          simulator: { defaultScript: script(jobMs) },
          templates: {
            provision: options.aap?.templates?.provision ?? "provision",
            deprovision: options.aap?.templates?.deprovision ?? "deprovision",
          },
        },
      );
      const aapUrl = await aap.aap.start();
      const kubeconfig = join(dir, "kubeconfig.json");
      // JSON, so that an operator without a YAML parser (Python's standard library) reads it.
      await writeFile(kubeconfig, (await cluster.kubeConfig()).exportConfig(), { mode: 0o600 });
      const env: BlackBoxEnv = {
        KUBECONFIG: kubeconfig,
        OPERATOR_NAMESPACE: cluster.namespace,
        CRD_GROUP: group,
        CRD_VERSION: version,
        CRD_PLURAL: plural,
        CRD_KIND: kind,
        AAP_URL: aapUrl,
        AAP_TOKEN: aap.token,
        AAP_PROVISION_TEMPLATE: aap.templates.provision,
        AAP_DEPROVISION_TEMPLATE: aap.templates.deprovision,
        POLL_INTERVAL_MS: String(options.pollIntervalMs ?? 50),
      };
      return new Stage(cluster, aap, aapUrl, env, reader, options, jobMs, dir);
    } catch (error) {
      await aap?.aap.stop();
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Every job of the AAP simulator, read through the status map. */
  ledger(): ConformanceJob[] {
    return this.aap.aap.ledger().map((job) => this.reader.job(job, this.aap.templates));
  }

  /** Script the next job of an operation: `durationMs` long, or never ending by itself. */
  scriptNext(operation: "provision" | "deprovision", durationMs: number): void {
    this.aap.aap.scriptNext(this.aap.templates[operation], script(durationMs));
  }

  /** Stop the simulators, remove the files. */
  async close(): Promise<void> {
    try {
      await this.aap.aap.stop();
      await this.cluster.stop();
    } finally {
      await rm(this.dir, { recursive: true, force: true });
    }
  }
}

function script(durationMs: number) {
  const queue = Math.min(QUEUE_MS, Math.floor(durationMs / 4));
  return {
    outcome: "successful" as const,
    pendingMs: queue,
    waitingMs: queue,
    runMs: durationMs - 2 * queue,
    cancelDelayMs: CANCEL_MS,
  };
}
