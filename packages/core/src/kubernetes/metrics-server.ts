import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { silentLogger, type Logger } from "../logger.js";
import {
  checkReadiness,
  formatReadiness,
  type HealthSource,
  type ReadinessOptions,
} from "./health.js";
import type { PrometheusRegistry } from "./prometheus.js";

/** Options of {@link startOperatorServer}. */
export interface OperatorServerOptions extends ReadinessOptions {
  /** The controller(s) whose health `/readyz` reports (`ProvisioningController`s). */
  controller: HealthSource | readonly HealthSource[];
  /**
   * What `/metrics` serves: the `registry` of `createPrometheusMetrics` (or any prom-client
   * registry). Without it, the metrics path answers 404.
   */
  metrics?: PrometheusRegistry;
  /** TCP port; 0 picks a free one (see {@link OperatorServer.port}). Default 8080. */
  port?: number;
  /**
   * Address to listen on. Default: every interface (as Node's `listen` does), which the
   * kubelet's probes and Prometheus need in a pod; `127.0.0.1` for tests.
   */
  host?: string;
  /** Path of the Prometheus metrics. Default `/metrics`. */
  metricsPath?: string;
  /** Path of the liveness endpoint. Default `/healthz`. */
  healthzPath?: string;
  /** Path of the readiness endpoint. Default `/readyz`. */
  readyzPath?: string;
  /** Where a failed scrape is logged. Default silent. */
  logger?: Logger;
}

/** A running operator server (see {@link startOperatorServer}). */
export interface OperatorServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  /** The port actually bound (useful with `port: 0`). */
  readonly port: number;
  /** Stop listening and close open connections (kept-alive scrapes too). Idempotent. */
  stop(): Promise<void>;
}

/**
 * Start the operator's HTTP server (node:http; off unless called):
 *
 * - `GET /metrics`: the Prometheus registry's exposition text (404 without `metrics`);
 * - `GET /healthz`: 200 `ok` while the process serves requests (liveness: it says nothing
 *   about the API server or the backend, so a kubelet does not restart a replica for an
 *   outage it cannot fix);
 * - `GET /readyz`: 200 when every controller is running, its informer has synced and its
 *   watch has not been down longer than `watchDownBoundMs` (default 30 s), else 503; the
 *   body lists each check (`[+]name ok` / `[-]name failed: reason`).
 *
 * Other paths answer 404, other methods than GET and HEAD 405.
 */
export async function startOperatorServer(options: OperatorServerOptions): Promise<OperatorServer> {
  const controllers: readonly HealthSource[] = Array.isArray(options.controller)
    ? options.controller
    : [options.controller as HealthSource];
  const logger = options.logger ?? silentLogger;
  const paths = {
    metrics: options.metricsPath ?? "/metrics",
    healthz: options.healthzPath ?? "/healthz",
    readyz: options.readyzPath ?? "/readyz",
  };
  const port = options.port ?? 8080;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${port}`);
  }
  const bound = options.watchDownBoundMs;
  if (bound !== undefined && !(Number.isFinite(bound) && bound >= 0)) {
    throw new RangeError(`watchDownBoundMs must be a non-negative number, got ${bound}`);
  }
  const readiness: ReadinessOptions = bound === undefined ? {} : { watchDownBoundMs: bound };

  const send = (
    response: http.ServerResponse,
    status: number,
    body: string,
    contentType = "text/plain; charset=utf-8",
  ) => {
    response.writeHead(status, {
      "Content-Type": contentType,
      "Content-Length": Buffer.byteLength(body),
      "Cache-Control": "no-store",
    });
    response.end(response.req.method === "HEAD" ? undefined : body);
  };

  const server = http.createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.setHeader("Allow", "GET, HEAD");
      send(response, 405, "method not allowed\n");
      return;
    }
    if (path === paths.healthz) {
      send(response, 200, "ok\n");
      return;
    }
    if (path === paths.readyz) {
      const report = checkReadiness(controllers, readiness);
      send(response, report.ready ? 200 : 503, formatReadiness(report));
      return;
    }
    if (path === paths.metrics && options.metrics) {
      const registry = options.metrics;
      registry.metrics().then(
        (text) => send(response, 200, text, registry.contentType),
        (error: unknown) => {
          logger.error({ error: String(error) }, "collecting the Prometheus metrics failed");
          send(response, 500, "collecting the metrics failed\n");
        },
      );
      return;
    }
    send(response, 404, "not found\n");
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
