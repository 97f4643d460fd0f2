/**
 * The Ansible test tier: the reference playbooks of `ansible/` run with the real
 * `ansible-playbook` (Debian's `ansible`, ansible-core 2.14 with `kubernetes.core`, and
 * `python3-kubernetes`, installed by `scripts/ansible/ci-tier.sh`).
 *
 * `PROVISIONKIT_ANSIBLE` selects how tests treat the tier, as `PROVISIONKIT_REAL_APISERVER`
 * does for the real API server:
 * - unset or `auto`: run when `ansible-playbook` and the Python `kubernetes` client are here,
 *   otherwise skip with the reason;
 * - `required`: run; a missing `ansible-playbook` fails the tests (set by ci-tier.sh when the
 *   install succeeded);
 * - `skip`: never run (set by ci-tier.sh when it could not install; the reason is in
 *   `PROVISIONKIT_ANSIBLE_REASON`).
 *
 * @module
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { AAP_CANCEL_SIGNAL } from "@provisionkit/testing";

const here = dirname(fileURLToPath(import.meta.url));
/** The repository's `ansible/` folder (the reference content). */
export const ANSIBLE_DIR = resolve(here, "../../ansible");
/** The tests' own task files, given to the playbooks in place of the user's tasks. */
export const TEST_TASKS = {
  fail: join(here, "ansible/fail.yml"),
  hold: join(here, "ansible/hold.yml"),
} as const;

/** Whether the tier runs here, and why not. */
export interface AnsibleStatus {
  /** The tests run. */
  available: boolean;
  /** The tests must run (CI installed the packages): unavailable is a failure, not a skip. */
  required: boolean;
  /** Why not, when not available. */
  reason?: string;
  /** `ansible-playbook --version`'s first line, when available. */
  version?: string;
}

function probe(): { version?: string; reason?: string } {
  try {
    const out = execFileSync("ansible-playbook", ["--version"], { encoding: "utf8" });
    // The Python ansible-playbook runs on (the implicit localhost's interpreter) must have
    // the kubernetes client that kubernetes.core's modules import.
    const python = /python version = .*\((\/[^)]+)\)/.exec(out)?.[1] ?? "python3";
    execFileSync(python, ["-c", "import kubernetes"], { stdio: "ignore" });
    return { version: out.split("\n")[0] };
  } catch (error) {
    return {
      reason: `ansible-playbook or python3-kubernetes missing: ${(error as Error).message.split("\n")[0]}`,
    };
  }
}

/** The tier's status, from `PROVISIONKIT_ANSIBLE` and a probe of `ansible-playbook`. */
export function ansibleStatus(): AnsibleStatus {
  const mode = process.env.PROVISIONKIT_ANSIBLE ?? "auto";
  if (mode === "skip") {
    const reason = process.env.PROVISIONKIT_ANSIBLE_REASON ?? "PROVISIONKIT_ANSIBLE=skip";
    return { available: false, required: false, reason };
  }
  const found = probe();
  const required = mode === "required";
  // Required: never skip; a missing ansible-playbook then fails the tests loudly.
  if (found.version === undefined && !required) {
    return { available: false, required, reason: found.reason ?? "unknown" };
  }
  return { available: true, required, ...found };
}

/** How a playbook run ended. */
export interface PlaybookRun {
  /** The exit code (null when a signal ended it). */
  code: number | null;
  /** The signal that ended it, if any. */
  signal: NodeJS.Signals | null;
  /** stdout and stderr, in that order. */
  output: string;
}

/** Options of {@link runPlaybook}. */
export interface RunPlaybookOptions {
  /** The event payload (what EdaProvider sent), passed as `ansible_eda.event.payload`. */
  payload: Record<string, unknown>;
  /** The kubeconfig the playbook's kubernetes.core modules use (K8S_AUTH_KUBECONFIG). */
  kubeconfig: string;
  /** More extra vars (the tests' task overrides). */
  extraVars?: Record<string, unknown>;
  /**
   * Aborting it sends `killSignal` to ansible-playbook's process group (a canceled job; the
   * run is started in a process group of its own, as ansible-runner's pexpect pty does).
   */
  signal?: AbortSignal;
  /** Default `AAP_CANCEL_SIGNAL` (SIGKILL): what AAP's cancel delivers, cited there. */
  killSignal?: NodeJS.Signals;
  /** The EDA endpoint the event came in on (the webhook source's `meta.endpoint`). */
  endpoint?: string;
}

/**
 * Runs `ansible/playbooks/<name>.yml` with the real `ansible-playbook`, the event given as
 * ansible-rulebook gives it: extra vars `{ansible_eda: {ruleset, rule, event}}`
 * (ansible/ansible-rulebook, ansible_rulebook/action/helper.py, collect_extra_vars, read at
 * e568862b: lines 134-163), the event being what the ansible.eda.webhook source puts on its
 * queue, `{payload, meta: {endpoint, headers}}`. Asynchronous: the simulators serving the
 * playbook run in this process.
 */
export async function runPlaybook(
  name: "provision" | "deprovision",
  options: RunPlaybookOptions,
): Promise<PlaybookRun> {
  const dir = await mkdtemp(join(tmpdir(), "provisionkit-ansible-"));
  try {
    const kubeconfig = join(dir, "kubeconfig");
    await writeFile(kubeconfig, options.kubeconfig, { mode: 0o600 });
    const vars = join(dir, "vars.json");
    const extraVars = {
      ansible_eda: {
        ruleset: "provisionkit",
        rule: name,
        event: {
          payload: options.payload,
          meta: { endpoint: options.endpoint ?? name, headers: {} },
        },
      },
      ...options.extraVars,
    };
    await writeFile(vars, JSON.stringify(extraVars), { mode: 0o600 });
    const playbook = join(ANSIBLE_DIR, "playbooks", `${name}.yml`);
    return await new Promise<PlaybookRun>((done) => {
      // spawn, not execFile: execFile does not pass `detached` on, and the run needs a
      // process group of its own for the cancel to reach its workers.
      const child = spawn("ansible-playbook", [playbook, "-e", `@${vars}`], {
        env: {
          ...process.env,
          K8S_AUTH_KUBECONFIG: kubeconfig,
          ANSIBLE_LOCALHOST_WARNING: "false",
          ANSIBLE_NOCOLOR: "1",
          ANSIBLE_RETRY_FILES_ENABLED: "false",
        },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
      child.on("error", (error) => {
        options.signal?.removeEventListener("abort", cancel);
        done({ code: null, signal: null, output: `${stdout}${stderr}\n${error.message}` });
      });
      child.on("close", (code, signal) => {
        options.signal?.removeEventListener("abort", cancel);
        done({ code, signal, output: `${stdout}${stderr}` });
      });
      // The whole group: ansible-playbook and the workers running its modules.
      function cancel(): void {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, options.killSignal ?? AAP_CANCEL_SIGNAL);
        } catch {
          // Already gone.
        }
      }
      if (options.signal?.aborted) cancel();
      else options.signal?.addEventListener("abort", cancel, { once: true });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
