/**
 * The playbooks' Kubernetes API calls: GET an object, JSON-merge-patch it (annotations) and
 * JSON-patch it (the finalizer list, behind a `test` operation).
 *
 * @module
 */
import { send, type ClientResponse } from "./http-client.js";
import type { KubernetesConnection } from "./types.js";

/** Where an object lives in the API. */
export interface ObjectLocation {
  /** `apiVersion` (`group/version`, or `v1` for the core group). */
  readonly apiVersion: string;
  /** Plural resource name. */
  readonly plural: string;
  /** Namespace; undefined for cluster-scoped objects. */
  readonly namespace: string | undefined;
  /** Name. */
  readonly name: string;
}

/** The API path of an object. */
export function objectPath(location: ObjectLocation): string {
  const { apiVersion, plural, namespace, name } = location;
  const root = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const scope = namespace === undefined ? "" : `/namespaces/${encodeURIComponent(namespace)}`;
  return `${root}${scope}/${plural}/${encodeURIComponent(name)}`;
}

/** A client for one connection. The token is sent, never kept anywhere else. */
export class KubeClient {
  readonly #connection: KubernetesConnection;

  /** @param connection - Server, credentials and TLS settings. */
  constructor(connection: KubernetesConnection) {
    this.#connection = connection;
  }

  #call(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/merge-patch+json",
  ): Promise<ClientResponse> {
    const { server, token, ca, cert, key, insecureSkipTLSVerify } = this.#connection;
    const headers: Record<string, string> = {};
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = contentType;
    return send({
      method,
      url: `${server.replace(/\/+$/, "")}${path}`,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      tls: {
        ...(ca === undefined ? {} : { ca }),
        ...(cert === undefined ? {} : { cert }),
        ...(key === undefined ? {} : { key }),
        rejectUnauthorized: insecureSkipTLSVerify !== true,
      },
    });
  }

  /** `GET` the object. */
  get(location: ObjectLocation): Promise<ClientResponse> {
    return this.#call("GET", objectPath(location));
  }

  /** `PATCH` the object with a JSON merge patch. */
  mergePatch(location: ObjectLocation, patch: Record<string, unknown>): Promise<ClientResponse> {
    return this.#call("PATCH", objectPath(location), patch);
  }

  /** `PATCH` the object with a JSON patch (RFC 6902). */
  jsonPatch(
    location: ObjectLocation,
    operations: readonly Record<string, unknown>[],
  ): Promise<ClientResponse> {
    return this.#call("PATCH", objectPath(location), operations, "application/json-patch+json");
  }
}
