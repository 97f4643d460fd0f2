/**
 * Real jobs for the AAP simulator: the job of a covered template runs its playbook with the
 * real `ansible-playbook` (the job's extra vars as `-e @file`), and the job ends as the run
 * does: `successful` on exit code 0, `failed` otherwise, as ansible-runner reports a run
 * (github:ansible/ansible-runner 764790f2, src/ansible_runner/runner.py 358-365) and AWX saves
 * it (github:ansible/awx e21dd0a0, awx/main/tasks/jobs.py 614-650).
 *
 * A job canceled through the API has its run's process group sent SIGKILL, what
 * ansible-playbook gets on an AAP cancel (the chain is cited on {@link AAP_CANCEL_SIGNAL}).
 *
 * It drives the simulator through its test controls only (`ledger`, `finishJob`): give
 * the covered templates a script that never finishes on its own, {@link REAL_PLAYBOOK_SCRIPT}.
 * The run's output is kept per job ({@link AapPlaybookRunner.run}).
 *
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AapLedgerJob } from "./records.js";
import type { AapSimulator } from "./simulator.js";
import type { AapFinishDetails, AapJobScript, AapOutcome } from "./types.js";

/** The script of a template whose jobs an {@link AapPlaybookRunner} runs. */
export const REAL_PLAYBOOK_SCRIPT: AapJobScript = {
  pendingMs: 0,
  waitingMs: 0,
  neverFinishes: true,
  cancelDelayMs: 0,
};

/**
 * The signal ansible-playbook's process group gets when AAP cancels its job, read from
 * source (verified; AWX e21dd0a0, receptor 52be4019, ansible-runner 764790f2):
 * 1. AWX `UnifiedJob.cancel` sets `cancel_flag` and asks the dispatcher to cancel the task
 *    (awx/main/models/unified_jobs.py 1463-1510), which SIGTERMs the job's control process
 *    (awx/main/dispatch/worker/base.py 80-87); that process turns the signal into
 *    `receptorctl work cancel <unit>` (awx/main/tasks/receptor.py 474-481).
 * 2. Receptor's command worker cancels with SIGINT to its command runner
 *    (pkg/workceptor/command.go 333-357; the runner's pid, 273), which relays SIGINT to the
 *    worker command, `ansible-runner worker`, and SIGKILLs it only if it has not exited
 *    10 s later (`termThenKill`, 69-83, called at 166-167 on SIGINT/SIGTERM, 112-113).
 *    (On a container group, `KubeUnit.Cancel` deletes the pod instead,
 *    pkg/workceptor/kubernetes.go 1481-1495: the kubelet's SIGTERM to ansible-runner.)
 * 3. ansible-runner's default cancel callback is set by SIGINT or SIGTERM
 *    (src/ansible_runner/interface.py 91-95; utils/__init__.py 506-522); its pexpect loop
 *    polls it (every `pexpect_timeout`, default 5 s, config/_base.py 208) and then calls
 *    `handle_termination(child.pid)` (runner.py 323-339), which is
 *    `os.killpg(os.getpgid(pid), signal.SIGKILL)` (runner.py 537-547). pexpect spawns
 *    ansible-playbook on a pty, in a session and process group of its own (runner.py
 *    286-296); the job then reports `canceled` with rc 254 (runner.py 355-359).
 * So ansible-playbook and its workers get SIGKILL, with no SIGINT or SIGTERM first and no
 * grace: a playbook cannot clean up on cancel.
 */
export const AAP_CANCEL_SIGNAL: NodeJS.Signals = "SIGKILL";

/**
 * How a failed run (non-zero exit) ends its job.
 * - `"playbook"` (default): `failed` with no `job_explanation` and no `result_traceback`,
 *   what AWX shows for a playbook that ran and failed: ansible-runner reports status
 *   `failed` (runner.py 365) and AWX fills `result_traceback` only for an exception in its
 *   own task code (jobs.py 631-633), a post-run hook error (jobs.py 640-645) or a runner
 *   status `error` (callback.py 210-214; receptor.py 489-526).
 * - `"worker"`: as AWX ends a job whose ansible-runner worker failed without emitting events
 *   (receptor.py 489-526): `error`, `job_explanation` "Job terminated due to error"
 *   (jobs.py 616-617) and `result_traceback` "Worker output:\n" and the last 1000 bytes of the
 *   run's output (receptor.py 515-524). For tests of how a provider shows a traceback.
 */
export type AapPlaybookFailure = "playbook" | "worker";

/** Options of {@link AapPlaybookRunner}. */
export interface AapPlaybookRunnerOptions {
  /** The simulator whose jobs run for real. */
  aap: AapSimulator;
  /** Playbook path per template name: the jobs of these templates run it. */
  playbooks: Readonly<Record<string, string>>;
  /** Environment of ansible-playbook, over `process.env` (e.g. `K8S_AUTH_KUBECONFIG`). */
  env?: Readonly<Record<string, string>>;
  /** The `ansible-playbook` command. Default `ansible-playbook`. */
  command?: string;
  /** How often the ledger is read for jobs that started or were canceled. Default 50 ms. */
  pollIntervalMs?: number;
  /** How a failed run ends its job. Default `"playbook"`; see {@link AapPlaybookFailure}. */
  failureAs?: AapPlaybookFailure;
}

/** One job's run. */
export interface AapPlaybookRun {
  /** The job id. */
  jobId: number;
  /** The exit code, once ended (null when a signal ended it). */
  code?: number | null;
  /** The signal that ended it, if any. */
  signal?: NodeJS.Signals | null;
  /** stdout and stderr as they came. */
  output: string;
  /** Whether the run was stopped because the job was canceled. */
  canceled: boolean;
}

interface Active {
  child: ChildProcess;
  done: Promise<void>;
}

/** How much of a failed worker's output AWX keeps in `result_traceback` (receptor.py 519). */
const WORKER_OUTPUT_BYTES = 1000;

/** {@link AAP_CANCEL_SIGNAL} to the run's process group (ansible-playbook, its workers, their modules). */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, AAP_CANCEL_SIGNAL);
  } catch {
    child.kill(AAP_CANCEL_SIGNAL);
  }
}

/** The status and details a finished run gives its job. */
function endOf(run: AapPlaybookRun, failureAs: AapPlaybookFailure): [AapOutcome, AapFinishDetails] {
  if (run.code === 0) return ["successful", {}];
  if (failureAs === "playbook") return ["failed", {}];
  const output = Buffer.from(run.output, "utf8");
  const tail = output.subarray(Math.max(output.length - WORKER_OUTPUT_BYTES, 0)).toString("utf8");
  return [
    "error",
    { jobExplanation: "Job terminated due to error", resultTraceback: `Worker output:\n${tail}` },
  ];
}

/** Runs the playbooks of started jobs of the covered templates with `ansible-playbook`. */
export class AapPlaybookRunner {
  readonly #options: AapPlaybookRunnerOptions;
  readonly #runs = new Map<number, AapPlaybookRun>();
  readonly #active = new Map<number, Active>();
  readonly #starting = new Set<Promise<void>>();
  #timer: ReturnType<typeof setInterval> | undefined;

  /** @param options - The simulator, the playbooks per template, the environment. */
  constructor(options: AapPlaybookRunnerOptions) {
    this.#options = options;
  }

  /** Starts watching the ledger. */
  start(): void {
    this.#timer ??= setInterval(() => this.#tick(), this.#options.pollIntervalMs ?? 50);
  }

  /** Stops watching and kills every running playbook's process group, waiting for them to exit. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    // Runs still writing their extra vars register once spawned: wait for them first.
    await Promise.all([...this.#starting]);
    const active = [...this.#active.values()];
    for (const run of active) killGroup(run.child);
    await Promise.all(active.map((run) => run.done));
  }

  /** The run of a job, if its playbook started. */
  run(jobId: number): AapPlaybookRun | undefined {
    const run = this.#runs.get(jobId);
    return run && { ...run };
  }

  #tick(): void {
    for (const job of this.#options.aap.ledger()) {
      const playbook = this.#options.playbooks[job.templateName];
      if (playbook === undefined) continue;
      const active = this.#active.get(job.id);
      if (active && job.finishedAt !== undefined) {
        // Ended under the playbook (canceled through the API): stop it.
        const run = this.#runs.get(job.id);
        if (run) run.canceled = job.status === "canceled";
        killGroup(active.child);
      } else if (!this.#runs.has(job.id) && job.status === "running") {
        this.#launch(job, playbook);
      }
    }
  }

  #launch(job: AapLedgerJob, playbook: string): void {
    const run: AapPlaybookRun = { jobId: job.id, output: "", canceled: false };
    this.#runs.set(job.id, run);
    let spawned!: () => void;
    const starting = new Promise<void>((resolve) => (spawned = resolve));
    this.#starting.add(starting);
    void (async () => {
      let dir: string | undefined;
      try {
        dir = await mkdtemp(join(tmpdir(), "provisionkit-aap-job-"));
        const vars = join(dir, "extra_vars.json");
        await writeFile(vars, JSON.stringify(job.extraVars), { mode: 0o600 });
        // detached: a session and process group of its own, as pexpect's pty gives
        // ansible-playbook under ansible-runner (runner.py 286-296), so the cancel's
        // killpg reaches its workers too.
        const child = spawn(
          this.#options.command ?? "ansible-playbook",
          [playbook, "-e", `@${vars}`],
          {
            env: { ...process.env, ANSIBLE_NOCOLOR: "1", ...this.#options.env },
            stdio: ["ignore", "pipe", "pipe"],
            detached: true,
          },
        );
        const exited = new Promise<void>((resolve) => {
          child.stdout?.on("data", (chunk: Buffer) => (run.output += chunk.toString("utf8")));
          child.stderr?.on("data", (chunk: Buffer) => (run.output += chunk.toString("utf8")));
          child.on("error", (error) => {
            run.output += `\n${error.message}`;
            // A command that cannot start emits no exit: it ends here, as pexpect's
            // MissingProcess does (exit status 127, runner.py 297-312).
            if (child.pid === undefined) {
              run.code = 127;
              run.signal = null;
              resolve();
            }
          });
          child.on("exit", (code, signal) => {
            run.code = code;
            run.signal = signal;
            resolve();
          });
        });
        this.#active.set(job.id, { child, done: exited });
        this.#starting.delete(starting);
        spawned();
        await exited;
        const current = this.#options.aap.job(job.id);
        if (current && current.finishedAt === undefined) {
          const [outcome, details] = endOf(run, this.#options.failureAs ?? "playbook");
          this.#options.aap.finishJob(job.id, outcome, details);
        }
      } catch (error) {
        // The extra vars could not be written: the job fails, as a run that could not start.
        run.output += `\n${(error as Error).message}`;
        run.code ??= 127;
        run.signal ??= null;
        try {
          if (this.#options.aap.job(job.id)?.finishedAt === undefined) {
            this.#options.aap.finishJob(job.id, "failed");
          }
        } catch {
          // The job ended meanwhile: nothing to end.
        }
      } finally {
        this.#active.delete(job.id);
        this.#starting.delete(starting);
        spawned();
        if (dir !== undefined) await rm(dir, { recursive: true, force: true });
      }
    })();
  }
}
