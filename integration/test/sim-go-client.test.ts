import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// provisionkit-sim driven from Go (issue 20): integration/sim-clients/go, a client of the
// control protocol v1 written with Go's standard library only, and its test, which does what
// an operator author's Go test does (a custom resource created through the Kubernetes API, a
// scripted AAP job launched for it, the virtual clock moved, a status write with its
// resourceVersion and a stale one refused, the ledger, an error body, shutdown). Uses the
// built dist of @provisionkit/testing.
//
// PROVISIONKIT_GO (set by scripts/go/ci-tier.sh in CI): `required` runs it and a missing `go`
// fails it; `skip` skips it with PROVISIONKIT_GO_REASON; unset, it runs when `go` is on PATH
// and says NOT RUN otherwise. Debian's golang-go (Go 1.19) is what CI installs.

const GO_DIR = fileURLToPath(new URL("../sim-clients/go", import.meta.url));
const BIN = fileURLToPath(
  new URL("../node_modules/@provisionkit/testing/dist/sim-server/bin.js", import.meta.url),
);

function goStatus(): { available: boolean; reason?: string } {
  const mode = process.env.PROVISIONKIT_GO ?? "auto";
  if (mode === "skip") {
    return {
      available: false,
      reason: process.env.PROVISIONKIT_GO_REASON ?? "PROVISIONKIT_GO=skip",
    };
  }
  if (mode === "required") return { available: true };
  try {
    execFileSync("go", ["version"], { stdio: "ignore" });
    return { available: true };
  } catch {
    return {
      available: false,
      reason: "no go on PATH (scripts/go/ci-tier.sh installs Debian's golang-go)",
    };
  }
}

const status = goStatus();
if (!status.available) console.warn(`GO TIER: NOT RUN — ${status.reason}`);

describe("provisionkit-sim from Go", () => {
  it.skipIf(!status.available)(
    status.available
      ? "a standard-library Go client's test passes: create, script, launch, clock, status write, ledger, errors, shutdown"
      : `a standard-library Go client's test (NOT RUN — ${status.reason})`,
    { timeout: 180_000 },
    () => {
      const env = {
        ...process.env,
        PROVISIONKIT_SIM_BIN: BIN,
        // The standard library only: nothing is fetched, and the toolchain on PATH is used.
        GOTOOLCHAIN: "local",
        GOPROXY: "off",
        GOFLAGS: "-buildvcs=false",
        GOCACHE: process.env.GOCACHE ?? join(tmpdir(), "provisionkit-gocache"),
        GOPATH: process.env.GOPATH ?? mkdtempSync(join(tmpdir(), "provisionkit-gopath-")),
      };
      const vet = spawnSync("go", ["vet", "./..."], { cwd: GO_DIR, env, encoding: "utf8" });
      expect(vet.stderr + vet.stdout, "go vet").toBe("");
      expect(vet.status).toBe(0);
      const test = spawnSync("go", ["test", "-count=1", "-v", "./..."], {
        cwd: GO_DIR,
        env,
        encoding: "utf8",
      });
      const output = `${test.stdout}${test.stderr}`;
      expect(test.status, output).toBe(0);
      expect(output).toMatch(/--- PASS: TestOperatorAuthorsFlow/);
    },
  );
});
