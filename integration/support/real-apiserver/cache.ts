/**
 * The cache that `scripts/real-apiserver/provision.sh` fills: where it is, and which binaries and
 * package versions its current build has. Only reads it: never builds or downloads anything.
 * @module
 */
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { RealApiServerBinaries } from "./types.ts";

/** The cache directory provision.sh writes: `${PROVISIONKIT_CACHE_DIR:-$HOME/.cache/provisionkit}/real-apiserver`. */
export function realApiServerCacheDir(): string {
  const root = process.env.PROVISIONKIT_CACHE_DIR || join(homedir(), ".cache", "provisionkit");
  return resolve(root, "real-apiserver");
}

interface CurrentBuild {
  apiserver?: unknown;
  etcd?: unknown;
  versions?: unknown;
}

/** Whether `path` is an executable file. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function readCurrentBuild(): CurrentBuild | undefined {
  const file = join(realApiServerCacheDir(), "current.json");
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as CurrentBuild;
  } catch {
    return undefined;
  }
}

/**
 * The provisioned binaries, or undefined when the tier is not provisioned. Reads
 * `<cache>/current.json` as written by provision.sh; `PROVISIONKIT_REAL_APISERVER_BIN` and
 * `PROVISIONKIT_ETCD_BIN`, when both are set, override it.
 */
export function realApiServerBinaries(): RealApiServerBinaries | undefined {
  const fromEnv = {
    apiserver: process.env.PROVISIONKIT_REAL_APISERVER_BIN,
    etcd: process.env.PROVISIONKIT_ETCD_BIN,
  };
  if (fromEnv.apiserver && fromEnv.etcd) {
    return isExecutable(fromEnv.apiserver) && isExecutable(fromEnv.etcd)
      ? { apiserver: fromEnv.apiserver, etcd: fromEnv.etcd }
      : undefined;
  }
  const current = readCurrentBuild();
  if (typeof current?.apiserver !== "string" || typeof current.etcd !== "string") return undefined;
  const cache = realApiServerCacheDir();
  const binaries = {
    apiserver: resolve(cache, current.apiserver),
    etcd: resolve(cache, current.etcd),
  };
  return isExecutable(binaries.apiserver) && isExecutable(binaries.etcd) ? binaries : undefined;
}

/** The Debian package versions the current build was made from, as recorded by provision.sh. */
export function realApiServerVersions(): Record<string, string> {
  const versions = readCurrentBuild()?.versions;
  if (typeof versions !== "object" || versions === null) return {};
  return Object.fromEntries(
    Object.entries(versions).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string",
    ),
  );
}
