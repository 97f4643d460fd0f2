/**
 * The standalone simulator server behind `provisionkit-sim`: the configured simulators
 * behind stable loopback listeners (fixed or picked ports, TLS when configured), a
 * kubeconfig file, and the control API. Usable in-process too (`new SimServer(config)`).
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SimServerConfig } from "./config.js";
import { ControlApi } from "./control.js";
import { SimServerError } from "./errors.js";
import { Forwarder, type ForwarderTls } from "./forwarder.js";
import {
  DEFAULT_AAP_TOKEN,
  startSimulators,
  stopSimulators,
  type SimulatorSet,
} from "./simulators.js";

/** The protocol version of the control API and of the ready line. */
export const SIM_PROTOCOL = "v1";

/** Where the AAP simulator is reached. */
export interface SimAapInfo {
  /** Base URL (no trailing slash). */
  url: string;
  /** The AAP 2.5 gateway API root, `${url}/api/controller/v2/` (`/api/v2/` is served too). */
  apiUrl: string;
  /** The accepted bearer tokens with their scopes. */
  tokens: { token: string; scope: "read" | "write" }[];
}

/** Where the Kubernetes API simulator is reached. */
export interface SimKubernetesInfo {
  /** Base URL (the kubeconfig's server). */
  url: string;
  /** Path of the kubeconfig file written. */
  kubeconfig: string;
  /** The kubeconfig context's namespace. */
  namespace: string;
  /** The bearer token it requires, if any. */
  token?: string;
}

/** Where the EDA simulator is reached. */
export interface SimEdaInfo {
  /** Base URL of the webhook source; events go to `${webhookUrl}/<endpoint>`. */
  webhookUrl: string;
  /** Base URL of the EDA server's event streams. */
  eventStreamBaseUrl: string;
  /** The POST URL of each event stream, by name. */
  eventStreams: Record<string, string>;
}

/** What the ready line says (and `GET /v1` answers). */
export interface SimServerInfo {
  /** The protocol version (`v1`). */
  protocol: typeof SIM_PROTOCOL;
  /** The server's process id. */
  pid: number;
  /** `system` (real time) or `virtual` (moves only on `POST /v1/clock/advance`). */
  clock: "system" | "virtual";
  /** The control API. */
  control: { url: string; token: string };
  /** The AAP simulator, when running. */
  aap?: SimAapInfo;
  /** The Kubernetes API simulator, when running. */
  kubernetes?: SimKubernetesInfo;
  /** The EDA simulator, when running. */
  eda?: SimEdaInfo;
}

/** The listeners: AAP, Kubernetes, the EDA webhook and the EDA event streams. */
type ForwarderKey = "aap" | "kubernetes" | "webhook" | "streams";

/** Runs the configured simulators and the control API until stopped. */
export class SimServer {
  readonly #config: SimServerConfig;
  readonly #token: string;
  readonly #control: ControlApi;
  readonly #forwarders: Partial<Record<ForwarderKey, Forwarder>> = {};
  #controlServer: Server | undefined;
  #controlUrl: string | undefined;
  #set: SimulatorSet | undefined;
  #kubeconfigPath: string | undefined;
  #tempDir: string | undefined;
  #stopping: Promise<void> | undefined;
  #stoppedResolve: () => void = () => undefined;
  /** Resolves once the server has stopped (by {@link SimServer.stop} or a control `shutdown`). */
  readonly stopped: Promise<void>;

  /** @param config - A validated configuration (see `parseSimServerConfig`). */
  constructor(config: SimServerConfig) {
    this.#config = config;
    this.#token = config.control?.token ?? randomBytes(24).toString("base64url");
    this.#control = new ControlApi(
      {
        simulators: () => this.#simulators(),
        info: () => this.info,
        reset: () => this.reset(),
        shutdown: () => void this.stop(),
      },
      this.#token,
    );
    this.stopped = new Promise((resolve) => {
      this.#stoppedResolve = resolve;
    });
  }

  /**
   * Starts the simulators, their listeners and the control API, and writes the kubeconfig.
   *
   * @returns What the ready line says.
   * @throws SimServerError `invalid-config` (a simulator refused the configuration),
   *   `config-unreadable` (a TLS file), `listen-failed` (a port in use).
   */
  async start(): Promise<SimServerInfo> {
    try {
      const tls = await this.#readTls();
      const config = this.#config;
      const add = (key: ForwarderKey, what: string, port: number | undefined): void => {
        this.#forwarders[key] = new Forwarder(what, port ?? 0, tls);
      };
      if (config.aap) add("aap", "aap.port", config.aap.port);
      if (config.kubernetes) add("kubernetes", "kubernetes.port", config.kubernetes.port);
      if (config.eda) {
        add("webhook", "eda.port", config.eda.port);
        add("streams", "eda.eventStreamPort", config.eda.eventStreamPort);
      }
      for (const forwarder of Object.values(this.#forwarders)) await forwarder.start();
      await this.#startControl();
      await this.#startSimulators();
      return this.info;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** What the ready line says; the same object `GET /v1` answers. */
  get info(): SimServerInfo {
    const set = this.#simulators();
    const info: SimServerInfo = {
      protocol: SIM_PROTOCOL,
      pid: process.pid,
      clock: set.virtualClock ? "virtual" : "system",
      control: { url: this.#controlUrl ?? "", token: this.#token },
    };
    const { aap, kubernetes, webhook, streams } = this.#forwarders;
    if (aap && this.#config.aap) {
      info.aap = {
        url: aap.url,
        apiUrl: `${aap.url}/api/controller/v2/`,
        tokens: structuredClone(
          this.#config.aap.tokens ?? [{ token: DEFAULT_AAP_TOKEN, scope: "write" }],
        ),
      };
    }
    if (kubernetes && this.#config.kubernetes) {
      info.kubernetes = {
        url: kubernetes.url,
        kubeconfig: this.#kubeconfigPath ?? "",
        namespace: this.#config.kubernetes.namespace ?? "default",
      };
      if (this.#config.kubernetes.token !== undefined)
        info.kubernetes.token = this.#config.kubernetes.token;
    }
    if (webhook && streams && set.eda) {
      const direct = set.urls.eventStreams ?? "";
      const eventStreams: Record<string, string> = {};
      for (const stream of this.#config.eda?.eventStreams ?? []) {
        eventStreams[stream.name] =
          streams.url + set.eda.eventStreamUrl(stream.name).slice(direct.length);
      }
      info.eda = { webhookUrl: webhook.url, eventStreamBaseUrl: streams.url, eventStreams };
    }
    return info;
  }

  /**
   * Replaces the simulators with fresh ones built from the configuration: empty ledger,
   * objects, logs and faults, a new clock; templates added over the control API are gone.
   * The URLs, tokens and kubeconfig stay; open connections are closed.
   */
  async reset(): Promise<void> {
    const old = this.#set;
    for (const forwarder of Object.values(this.#forwarders)) forwarder.retarget(undefined);
    this.#set = undefined;
    if (old) await stopSimulators(old);
    this.#control.forgetFaults();
    await this.#startSimulators();
  }

  /** Stops the control API, the listeners and the simulators, and removes a temporary kubeconfig. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const control = this.#controlServer;
    this.#controlServer = undefined;
    if (control) {
      const closed = new Promise<void>((resolve) => control.close(() => resolve()));
      control.closeAllConnections();
      await closed;
    }
    for (const forwarder of Object.values(this.#forwarders)) await forwarder.stop();
    if (this.#set) await stopSimulators(this.#set);
    this.#set = undefined;
    if (this.#tempDir) await rm(this.#tempDir, { recursive: true, force: true });
    this.#stoppedResolve();
  }

  #simulators(): SimulatorSet {
    if (!this.#set) throw new SimServerError("shutting-down", "the simulators are not running");
    return this.#set;
  }

  async #startSimulators(): Promise<void> {
    const set = await startSimulators(this.#config);
    this.#set = set;
    const { aap, kubernetes, webhook, streams } = this.#forwarders;
    aap?.retarget(set.urls.aap);
    kubernetes?.retarget(set.urls.kubernetes);
    webhook?.retarget(set.urls.webhook);
    streams?.retarget(set.urls.eventStreams);
    if (set.kubernetes && kubernetes) await this.#writeKubeconfig(set, kubernetes.url);
  }

  async #writeKubeconfig(set: SimulatorSet, url: string): Promise<void> {
    const k = this.#config.kubernetes;
    const kube = set.kubernetes;
    if (!k || !kube) return;
    const config = JSON.parse(kube.kubeconfig({ namespace: k.namespace })) as {
      clusters: { cluster: Record<string, unknown> }[];
    };
    for (const { cluster } of config.clusters) {
      cluster.server = url;
      if (this.#config.tls?.caFile !== undefined) {
        delete cluster["insecure-skip-tls-verify"];
        const ca = await readFile(this.#config.tls.caFile);
        cluster["certificate-authority-data"] = ca.toString("base64");
      }
    }
    let path = this.#config.kubeconfigOut;
    if (path === undefined) {
      this.#tempDir ??= await mkdtemp(join(tmpdir(), "provisionkit-sim-"));
      path = join(this.#tempDir, "kubeconfig");
    }
    try {
      await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    } catch (error) {
      throw new SimServerError(
        "invalid-config",
        `kubeconfigOut: cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
        { field: "kubeconfigOut" },
      );
    }
    this.#kubeconfigPath = path;
  }

  async #startControl(): Promise<void> {
    const server = createServer((req, res) => this.#control.handle(req, res));
    const port = this.#config.control?.port ?? 0;
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) =>
        reject(
          new SimServerError(
            "listen-failed",
            `control.port: cannot listen on 127.0.0.1:${port} (${error.code ?? error.message})`,
            { field: "control.port" },
          ),
        ),
      );
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.#controlServer = server;
    const address = server.address();
    this.#controlUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : port}`;
  }

  async #readTls(): Promise<ForwarderTls | undefined> {
    const tls = this.#config.tls;
    if (!tls) return undefined;
    const read = async (field: string, path: string): Promise<string> => {
      try {
        return await readFile(path, "utf8");
      } catch (error) {
        throw new SimServerError(
          "config-unreadable",
          `${field}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
          { field },
        );
      }
    };
    const tlsPair = {
      cert: await read("tls.certFile", tls.certFile),
      key: await read("tls.keyFile", tls.keyFile),
    };
    if (tls.caFile !== undefined) await read("tls.caFile", tls.caFile);
    return tlsPair;
  }
}
