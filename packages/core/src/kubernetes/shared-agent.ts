import { Buffer } from "node:buffer";
import * as http from "node:http";
import * as https from "node:https";
import {
  type Configuration,
  createConfiguration,
  type KubeConfig,
  type RequestContext,
  type SecurityAuthentication,
  ServerConfiguration,
} from "@kubernetes/client-node";
import { ConfigurationError } from "../errors.js";
import { type NodeHttpLibraryOptions, nodeHttpLibrary } from "./node-http-library.js";

/** A kept-alive connection idle this long is closed (ms; client-node 1.x's agents). */
const IDLE_SOCKET_MS = 60_000;

/**
 * An undici dispatcher as client-node 2.x makes one (an `Agent` or a `ProxyAgent`): only
 * what this module calls on it.
 */
interface Dispatcher {
  close(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * What client-node 2.x has in place of 1.x's agents (read in @kubernetes/client-node 2.0.1,
 * dist/config.js: `applySecurityAuthentication` lines 194-226 calls `this.createDispatcher`,
 * which builds a new undici `Agent` from `createDispatcherOptions` (lines 521-576) on every
 * request, `undefined` when there are no TLS options; dist/gen/http/http.d.ts lines 82-83:
 * `RequestContext.setDispatcher` / `getDispatcher`). Typed here because core compiles against
 * 1.x's types.
 */
interface DispatcherKubeConfig {
  createDispatcherOptions(cluster: unknown, agentOptions: unknown): unknown;
  createDispatcher(cluster: unknown, agentOptions: unknown): Dispatcher | undefined;
}

/** A 1.x request context (`getAgent`/`setAgent`); 2.x's has a dispatcher instead. */
interface AgentContext {
  getAgent(): http.Agent | undefined;
  setAgent(agent: http.Agent): void;
}

function dispatcherCapable(kubeConfig: KubeConfig): DispatcherKubeConfig | undefined {
  const candidate = kubeConfig as unknown as Partial<DispatcherKubeConfig>;
  return typeof candidate.createDispatcherOptions === "function" &&
    typeof candidate.createDispatcher === "function"
    ? (candidate as DispatcherKubeConfig)
    : undefined;
}

function agentContext(context: RequestContext): AgentContext | undefined {
  const candidate = context as unknown as Partial<AgentContext>;
  return typeof candidate.getAgent === "function" && typeof candidate.setAgent === "function"
    ? (candidate as AgentContext)
    : undefined;
}

/** Options nest a level or two (2.x: `connect` within the dispatcher's options). */
const MAX_OPTIONS_DEPTH = 8;

/**
 * Whether two sets of connection options (certificates, keys, flags) are the same, as JSON
 * would have them: bytes (a CA bundle, a client certificate: Buffers that client-node builds
 * anew for each request) equal byte for byte, strings, arrays and plain records member by
 * member (an undefined member as an absent one), anything else by its JSON. A string and
 * bytes with the same content differ, as do an array and a record. Runs on every request:
 * it compares in place, where a SHA-256 digest of the options (as this module had) cost
 * about 15 µs a request on loopback, and their JSON about 50 µs with a 1.5 KB CA (issue 17).
 */
export function sameOptions(a: unknown, b: unknown, depth = 0): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && sameBytes(a, b);
  }
  if (typeof a === "string" || typeof b === "string") return a === b;
  if (depth < MAX_OPTIONS_DEPTH) {
    if (Array.isArray(a) || Array.isArray(b)) {
      if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
      return a.every((item, i) => sameOptions(item, b[i], depth + 1));
    }
    if (isPlainRecord(a) || isPlainRecord(b)) {
      if (!isPlainRecord(a) || !isPlainRecord(b)) return false;
      const keys = definedKeys(a);
      if (keys.length !== definedKeys(b).length) return false;
      return keys.every((key) => sameOptions(a[key], b[key], depth + 1));
    }
  }
  // Numbers, booleans, null, and anything else (a class instance: by its JSON).
  return (JSON.stringify(a) ?? typeof a) === (JSON.stringify(b) ?? typeof b);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.byteLength === b.byteLength &&
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    )
  );
}

function definedKeys(record: Record<string, unknown>): string[] {
  return Object.keys(record).filter((key) => record[key] !== undefined);
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The KubeConfig's authentication, with one keep-alive connection pool for every request,
 * on client-node 1.x and 2.x.
 *
 * Both build a new one for each request, so each request opened its own TCP connection (and,
 * on a real cluster, its own TLS handshake): 1.x a new `http(s).Agent`
 * (`KubeConfig.applySecurityAuthentication` calls `createAgent`; upstream
 * kubernetes-client/javascript#2893), 2.x a new undici `Agent` (`createDispatcher`). Here
 * the KubeConfig still does everything it does (headers, tokens, exec plugins, TLS
 * material), and the request goes through a pool built once with the same options:
 * - 1.x: the agent it made is only looked at for its TLS options, and replaced by a
 *   keep-alive agent built with those options. A proxy agent (a cluster with `proxyUrl`) is
 *   used as client-node made it.
 * - 2.x: its `createDispatcher` is called only when `createDispatcherOptions` (TLS material,
 *   proxy) differ from the last request's; otherwise the dispatcher built then is reused.
 *   Nothing of the caller's KubeConfig is changed: its authentication runs on an object
 *   that inherits from it and overrides only `createDispatcher`.
 * When the options change (rotated client certificates, exec plugin credentials), a new pool
 * is built. Any other client-node authenticates as the KubeConfig alone would.
 */
export class SharedAgentAuthentication implements SecurityAuthentication {
  private agent: http.Agent | undefined;
  private dispatcher: Dispatcher | undefined;
  /**
   * The options the shared pool was built from (the agent or dispatcher keeps them too):
   * compared with each request's, never logged.
   */
  private built: { kind: string; options: unknown } | undefined;

  /** @param kubeConfig - authenticates every request as it would on its own. */
  constructor(private readonly kubeConfig: KubeConfig) {}

  /** The name client-node's generated code knows this authentication by. */
  getName(): string {
    return "provisionkit-shared-agent";
  }

  /** The KubeConfig's authentication of `context`, on the shared pool. */
  async applySecurityAuthentication(context: RequestContext): Promise<void> {
    const agents = agentContext(context);
    if (agents) {
      await this.kubeConfig.applySecurityAuthentication(context);
      const made = agents.getAgent();
      if (made) agents.setAgent(this.share(made));
      return;
    }
    const dispatching = dispatcherCapable(this.kubeConfig);
    if (!dispatching) {
      await this.kubeConfig.applySecurityAuthentication(context);
      return;
    }
    const sharing = Object.create(this.kubeConfig, {
      createDispatcher: {
        value: (cluster: unknown, agentOptions: unknown) =>
          this.shareDispatcher(dispatching, cluster, agentOptions),
      },
    }) as KubeConfig;
    await this.kubeConfig.applySecurityAuthentication.call(sharing, context);
  }

  /** Close the shared pool's connections (a later request builds a new one). */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
    this.dispatcher?.destroy().catch(() => undefined);
    this.dispatcher = undefined;
    this.built = undefined;
  }

  private share(made: http.Agent): http.Agent {
    const secure = made.constructor === https.Agent;
    if (!secure && made.constructor !== http.Agent) return made;
    const options = (made as https.Agent).options;
    const kind = `agent:${secure}`;
    if (this.agent && this.sameAsBuilt(kind, options)) return this.agent;
    // `timeout` closes a socket idle that long (a request in progress is not cut). Set, it
    // also makes Node honour a server's `Keep-Alive: timeout=N` hint, closing the socket
    // before the server does (Agent.keepSocketAlive ignores the hint when it is 0), which
    // avoids reusing a socket the server is closing (ECONNRESET).
    const shared = { ...options, keepAlive: true, timeout: options.timeout ?? IDLE_SOCKET_MS };
    this.agent = secure ? new https.Agent(shared) : new http.Agent(shared);
    this.built = { kind, options };
    return this.agent;
  }

  private shareDispatcher(
    kubeConfig: DispatcherKubeConfig,
    cluster: unknown,
    agentOptions: unknown,
  ): Dispatcher | undefined {
    // Throws as createDispatcher would (an http: server without skipTLSVerify).
    const options = kubeConfig.createDispatcherOptions(cluster, agentOptions);
    if (this.dispatcher && this.sameAsBuilt("dispatcher", options)) return this.dispatcher;
    const made = kubeConfig.createDispatcher(cluster, agentOptions);
    // The replaced pool finishes its requests in progress, then closes.
    this.dispatcher?.close().catch(() => undefined);
    this.dispatcher = made;
    this.built = made ? { kind: "dispatcher", options } : undefined;
    return made;
  }

  private sameAsBuilt(kind: string, options: unknown): boolean {
    return this.built?.kind === kind && sameOptions(this.built.options, options);
  }
}

/** What {@link sharedAgentConfiguration} builds. */
export interface SharedAgentConfiguration {
  /** For client-node's generated API classes. */
  readonly configuration: Configuration;
  /** Its authentication, whose `close()` closes the kept-alive connections. */
  readonly auth: SharedAgentAuthentication;
  /** The current cluster's server URL. */
  readonly server: string;
}

/**
 * A client-node configuration for `kubeConfig`'s current cluster, as
 * `KubeConfig.makeApiClient` builds one, but on a {@link SharedAgentAuthentication} (one
 * keep-alive pool) and, on client-node 1.x, the {@link nodeHttpLibrary} with `http`'s
 * options.
 *
 * @throws ConfigurationError when the KubeConfig has no current cluster.
 */
export function sharedAgentConfiguration(
  kubeConfig: KubeConfig,
  http: NodeHttpLibraryOptions = {},
): SharedAgentConfiguration {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) {
    throw new ConfigurationError("the KubeConfig has no current cluster (no current context)");
  }
  const auth = new SharedAgentAuthentication(kubeConfig);
  const httpApi = nodeHttpLibrary(http);
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: auth },
    ...(httpApi ? { httpApi } : {}),
  });
  return { configuration, auth, server: cluster.server };
}
