/**
 * Whether the tier can run here, and how tests treat it (`PROVISIONKIT_REAL_APISERVER`).
 * @module
 */
import { delimiter, join } from "node:path";
import { isExecutable, realApiServerBinaries, realApiServerCacheDir } from "./cache.ts";
import type { RealApiServerMode, RealApiServerStatus } from "./types.ts";

const PROVISION_HINT =
  "run scripts/real-apiserver/provision.sh to build it (4-6 minutes on 2 cores, once)";

/** The value of `PROVISIONKIT_REAL_APISERVER`: `auto` (default), `required` or `skip`. Throws on any other value. */
export function realApiServerMode(): RealApiServerMode {
  const value = (process.env.PROVISIONKIT_REAL_APISERVER ?? "").trim();
  if (value === "" || value === "auto") return "auto";
  if (value === "required" || value === "skip") return value;
  throw new Error(
    `PROVISIONKIT_REAL_APISERVER=${value} is not one of "required", "skip" or "auto"`,
  );
}

/** True when `PROVISIONKIT_REAL_APISERVER=required`: an unavailable tier must fail the tests. */
export function realApiServerRequired(): boolean {
  return realApiServerMode() === "required";
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? "")
    .split(delimiter)
    .some((dir) => dir !== "" && isExecutable(join(dir, command)));
}

/**
 * Whether the tier can run: `PROVISIONKIT_REAL_APISERVER` is not `skip`, the binaries are
 * provisioned and openssl is on the PATH. Cheap and synchronous: it does not start anything.
 * Whether an unavailable tier is an error is {@link realApiServerRequired}'s business.
 */
export function realApiServerStatus(): RealApiServerStatus {
  const mode = realApiServerMode();
  if (mode === "skip") {
    const why = process.env.PROVISIONKIT_REAL_APISERVER_REASON?.trim();
    return {
      available: false,
      reason: `PROVISIONKIT_REAL_APISERVER=skip${why ? `: ${why}` : ""}`,
    };
  }
  const required = mode === "required" ? " (PROVISIONKIT_REAL_APISERVER=required)" : "";
  if (!realApiServerBinaries()) {
    return {
      available: false,
      reason: `the real API server is not provisioned in ${realApiServerCacheDir()}: ${PROVISION_HINT}${required}`,
    };
  }
  if (!onPath("openssl")) {
    return { available: false, reason: `openssl is not on the PATH${required}` };
  }
  return { available: true };
}
