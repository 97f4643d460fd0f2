import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// provisionkit-sim driven from Go (issue 20): integration/sim-clients/go, a client of the
// control protocol v1 written with Go's standard library only, and its test, which does what
// an operator author's Go test does (the Kubernetes API reached through the kubeconfig the sim
// writes, with its bearer token; a custom resource created; a scripted AAP job launched for it
// through /api/v2/; the virtual clock moved; a status write with its resourceVersion and a
// stale one refused; the ledger; and what the Python client covers: a fault, error bodies,
// purge, reset, shutdown). Uses the built dist of @provisionkit/testing.
//
// PROVISIONKIT_GO (set by scripts/go/ci-tier.sh in CI): `required` runs it and a missing `go`
// fails it; `skip` skips it with PROVISIONKIT_GO_REASON; unset, it runs when `go` is on PATH
// and says NOT RUN otherwise. Debian's golang-go (Go 1.19) is what CI installs. Compile and
// run take ~8 s with an empty build cache, ~1 s with a warm one (GOCACHE is kept in tmpdir).

const GO_DIR = fileURLToPath(new URL("../sim-clients/go", import.meta.url));
const PROTOCOL_DOC = fileURLToPath(new URL("../../docs/simulator-protocol.md", import.meta.url));
const BIN = fileURLToPath(
  new URL("../node_modules/@provisionkit/testing/dist/sim-server/bin.js", import.meta.url),
);
/** Each go command's bound: vitest's own timeout cannot end a synchronous spawn. */
const GO_TIMEOUT_MS = 150_000;

function goStatus(): { available: boolean; reason?: string; version?: string } {
  const mode = process.env.PROVISIONKIT_GO ?? "auto";
  if (mode === "skip") {
    return {
      available: false,
      reason: process.env.PROVISIONKIT_GO_REASON ?? "PROVISIONKIT_GO=skip",
    };
  }
  const probe = spawnSync("go", ["version"], { encoding: "utf8", timeout: 30_000 });
  const version = probe.status === 0 ? probe.stdout.trim() : undefined;
  // Required: never skip; a missing go then fails the test loudly.
  if (mode === "required" || version !== undefined) {
    return version === undefined ? { available: true } : { available: true, version };
  }
  return {
    available: false,
    reason: "no go on PATH (scripts/go/ci-tier.sh installs Debian's golang-go)",
  };
}

const status = goStatus();
if (!status.available) {
  console.warn(`GO TIER: NOT RUN — ${status.reason ?? "unknown"}; this test is SKIPPED`);
}

function go(args: string[], env: NodeJS.ProcessEnv): { status: number | null; output: string } {
  const run = spawnSync("go", args, {
    cwd: GO_DIR,
    env,
    encoding: "utf8",
    timeout: GO_TIMEOUT_MS,
  });
  const failure = run.error === undefined ? "" : `\n${run.error.message}`;
  return { status: run.status, output: `${run.stdout ?? ""}${run.stderr ?? ""}${failure}` };
}

describe("provisionkit-sim from Go", () => {
  // Runs with or without Go: the docs show the compiled test's lines, not a sketch.
  it("docs/simulator-protocol.md's Go lines are the compiled test's", () => {
    const doc = readFileSync(PROTOCOL_DOC, "utf8");
    const blocks = [...doc.matchAll(/^```go\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? "");
    expect(blocks).toHaveLength(1);
    const source = readFileSync(join(GO_DIR, "sim_test.go"), "utf8");
    const lines = (blocks[0] ?? "")
      .split("\n")
      .map((line) => line.replace(/\/\/.*$/, "").trim())
      .filter((line) => line !== "");
    expect(lines.length).toBeGreaterThan(10);
    // `x, err := call(...)` and `err = call(...)` in the docs stand for the test's
    // `if x, err := call(...); err != nil`: the call itself must occur in the test.
    const missing = lines
      .map((line) => /^[\w, ]+:?= (.*)$/.exec(line)?.[1] ?? line)
      .filter((call) => !source.includes(call));
    expect(missing).toEqual([]);
  });

  it.skipIf(!status.available)(
    status.available
      ? `a standard-library Go client's test passes (${status.version ?? "go"}): kubeconfig, create, script, launch, clock, status write, ledger, fault, errors, purge, reset, shutdown`
      : `a standard-library Go client's test (NOT RUN — ${status.reason ?? "unknown"})`,
    { timeout: 3 * GO_TIMEOUT_MS },
    () => {
      const env = {
        ...process.env,
        PROVISIONKIT_SIM_BIN: BIN,
        // The standard library only: nothing is fetched, and the toolchain on PATH is used.
        GOTOOLCHAIN: "local",
        GOPROXY: "off",
        GOFLAGS: "-buildvcs=false",
        GOCACHE: process.env.GOCACHE ?? join(tmpdir(), "provisionkit-gocache"),
        GOPATH: process.env.GOPATH ?? join(tmpdir(), "provisionkit-gopath"),
      };
      // gofmt from the toolchain itself (GOROOT/bin), as `go fmt` would run it.
      const goroot = go(["env", "GOROOT"], env);
      expect(goroot.status, goroot.output).toBe(0);
      const gofmt = spawnSync(join(goroot.output.trim(), "bin", "gofmt"), ["-l", "."], {
        cwd: GO_DIR,
        encoding: "utf8",
        timeout: GO_TIMEOUT_MS,
      });
      expect(gofmt.error, "gofmt").toBeUndefined();
      expect(gofmt.stdout, "files gofmt would change").toBe("");
      const vet = go(["vet", "./..."], env);
      expect(vet.output, "go vet").toBe("");
      expect(vet.status).toBe(0);
      const test = go(["test", "-count=1", "-timeout=120s", "-v", "./..."], env);
      expect(test.status, test.output).toBe(0);
      expect(test.output).toMatch(/--- PASS: TestOperatorAuthorsFlow/);
    },
  );
});
