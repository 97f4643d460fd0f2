/**
 * Discovery of the versioned controller API path (research §1): `GET /api/`; a platform
 * gateway lists `apis.controller` (`/api/controller/`), whose `current_version` is the path
 * (`/api/controller/v2/`); a legacy controller names it directly (`/api/v2/`).
 *
 * @module
 */
import { ConfigurationError } from "@provisionkit/core";
import { apiRootDecoder, versionRootDecoder } from "./decoders.js";
import type { ResolvedOptions } from "./options.js";
import type { Requester } from "./requester.js";
import { abortedBeforeSending } from "./retry.js";
import { DecodeError, map, type Decoder } from "./schema.js";

/**
 * Reads a path AAP returned (relative, or a full URL whose host is ignored: the gateway may
 * report an internal address) as an absolute path with a trailing slash.
 */
function asPath(value: string, path: readonly (string | number)[]): string {
  let pathname: string;
  try {
    pathname = new URL(value, "http://aap.invalid").pathname;
  } catch {
    throw new DecodeError(path, "a path or URL", "string");
  }
  if (!pathname.startsWith("/api/")) throw new DecodeError(path, "a path under /api/", "string");
  return pathname.endsWith("/") ? pathname : `${pathname}/`;
}

type RootStep = { kind: "version"; path: string } | { kind: "controller"; path: string };

function rootStep(gatewayUrl: string): Decoder<RootStep> {
  return (value, path) => {
    const root = apiRootDecoder(value, path);
    if (root.controller !== undefined) {
      return { kind: "controller", path: asPath(root.controller, [...path, "apis", "controller"]) };
    }
    if (root.gateway) {
      throw new ConfigurationError(
        `AAP platform gateway at ${gatewayUrl} lists no controller API (apis.controller)`,
        { details: { option: "url" } },
      );
    }
    if (root.currentVersion === undefined) {
      throw new DecodeError([...path, "current_version"], "a string", "undefined");
    }
    return { kind: "version", path: asPath(root.currentVersion, [...path, "current_version"]) };
  };
}

const versionPath: Decoder<string> = map(versionRootDecoder, (value, path) =>
  asPath(value, [...path, "current_version"]),
);

/** Resolves and caches the API path; concurrent callers share one discovery. */
export class ApiPathResolver {
  readonly #options: ResolvedOptions;
  readonly #requester: Requester;
  #resolved: string | undefined;
  #pending: Promise<string> | undefined;

  /**
   * @param options - validated client options (an explicit API path skips discovery).
   * @param requester - runs the discovery requests.
   */
  constructor(options: ResolvedOptions, requester: Requester) {
    this.#options = options;
    this.#requester = requester;
    this.#resolved = options.explicitApiPath;
  }

  /**
   * The versioned API path, e.g. `/api/controller/v2/`. Discovered on first use; a failed
   * discovery is not cached. Aborting `signal` abandons this caller's wait only: the shared
   * discovery goes on for the others.
   */
  resolve(signal?: AbortSignal): Promise<string> {
    if (this.#resolved !== undefined) return Promise.resolve(this.#resolved);
    const fields = { operation: "discovery", method: "GET", path: this.#options.discoveryRoot };
    if (signal?.aborted) return Promise.reject(abortedBeforeSending(fields));
    if (this.#pending === undefined) {
      const pending = this.#discover().then(
        (path) => {
          this.#resolved = path;
          return path;
        },
        (error: unknown) => {
          this.#pending = undefined;
          throw error;
        },
      );
      // Every caller may have given up: keep a failure from becoming an unhandled rejection.
      pending.catch(() => {});
      this.#pending = pending;
    }
    const shared = this.#pending;
    if (signal === undefined) return shared;
    return new Promise<string>((resolve, reject) => {
      const onAbort = (): void => reject(abortedBeforeSending(fields));
      signal.addEventListener("abort", onAbort, { once: true });
      shared.then(
        (value) => {
          signal.removeEventListener("abort", onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  async #discover(): Promise<string> {
    const { origin, discoveryRoot } = this.#options;
    const rootUrl = `${origin}${discoveryRoot}`;
    const notFound = (message: string, details: Record<string, string | number | boolean | null>) =>
      new ConfigurationError(`${message}; no AAP API found at ${rootUrl}: check the url option`, {
        details: { ...details, option: "url" },
      });
    const step = await this.#requester.run(
      {
        operation: "discovery",
        method: "GET",
        target: discoveryRoot,
        notFound,
        decode: rootStep(rootUrl),
      },
      undefined,
    );
    const path =
      step.kind === "version"
        ? step.path
        : await this.#requester.run(
            {
              operation: "discovery",
              method: "GET",
              target: step.path,
              notFound,
              decode: versionPath,
            },
            undefined,
          );
    this.#options.logger.debug({ apiPath: path }, "AAP API path discovered");
    return path;
  }
}
