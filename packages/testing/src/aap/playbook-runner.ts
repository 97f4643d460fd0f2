/**
 * Real jobs for the AAP simulator: the job of a covered template runs its playbook with the
 * real `ansible-playbook` (the job's extra vars as `-e @file`), and the job ends as the run
 * does: `successful` on exit code 0, `failed` otherwise. A job canceled through the API (the
 * simulator ends it `canceled` after its script's `cancelDelayMs`) has its playbook stopped
 * with SIGTERM to its process group (an assumption: which signal ansible-playbook gets on an AAP cancel, through
 * receptor and ansible-runner, is not verified here).
 *
 * It drives the simulator through its public test controls only (`ledger`, `finishJob`): give
 * the covered templates a script that never finishes on its own, {@link REAL_PLAYBOOK_SCRIPT}.
 * The run's output is kept per job ({@link AapPlaybookRunner.run}); the simulator's
 * `result_traceback` is not set from it (the simulator takes a traceback only from a script).
 *
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AapLedgerJob } from "./records.js";
import type { AapSimulator } from "./simulator.js";
import type { AapJobScript } from "./types.js";

/** The script of a template whose jobs an {@link AapPlaybookRunner} runs. */
export const REAL_PLAYBOOK_SCRIPT: AapJobScript = {
  pendingMs: 0,
  waitingMs: 0,
  neverFinishes: true,
  cancelDelayMs: 0,
};

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
  dir: string;
  done: Promise<void>;
}

/** SIGTERM to the run's process group (ansible-playbook, its workers, their modules). */
function signalGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    child.kill("SIGTERM");
  }
}

/** Runs the playbooks of started jobs of the covered templates with `ansible-playbook`. */
export class AapPlaybookRunner {
  readonly #options: AapPlaybookRunnerOptions;
  readonly #runs = new Map<number, AapPlaybookRun>();
  readonly #active = new Map<number, Active>();
  #timer: ReturnType<typeof setInterval> | undefined;

  /** @param options - The simulator, the playbooks per template, the environment. */
  constructor(options: AapPlaybookRunnerOptions) {
    this.#options = options;
  }

  /** Starts watching the ledger. */
  start(): void {
    this.#timer ??= setInterval(() => this.#tick(), this.#options.pollIntervalMs ?? 50);
  }

  /** Stops watching and stops every running playbook (SIGTERM), waiting for them to exit. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    const active = [...this.#active.values()];
    for (const run of active) signalGroup(run.child);
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
        signalGroup(active.child);
      } else if (!this.#runs.has(job.id) && job.status === "running") {
        this.#launch(job, playbook);
      }
    }
  }

  #launch(job: AapLedgerJob, playbook: string): void {
    const run: AapPlaybookRun = { jobId: job.id, output: "", canceled: false };
    this.#runs.set(job.id, run);
    const done = (async () => {
      const dir = await mkdtemp(join(tmpdir(), "provisionkit-aap-job-"));
      try {
        const vars = join(dir, "extra_vars.json");
        await writeFile(vars, JSON.stringify(job.extraVars), { mode: 0o600 });
        const child = spawn(
          this.#options.command ?? "ansible-playbook",
          [playbook, "-e", `@${vars}`],
          {
            env: { ...process.env, ANSIBLE_NOCOLOR: "1", ...this.#options.env },
            stdio: ["ignore", "pipe", "pipe"],
          },
        );
        const exited = new Promise<void>((resolve) => {
          child.stdout?.on("data", (chunk: Buffer) => (run.output += chunk.toString("utf8")));
          child.stderr?.on("data", (chunk: Buffer) => (run.output += chunk.toString("utf8")));
          child.on("error", (error) => {
            run.output += `\n${error.message}`;
          });
          child.on("exit", (code, signal) => {
            run.code = code;
            run.signal = signal;
            resolve();
          });
        });
        this.#active.set(job.id, { child, dir, done: exited });
        await exited;
        const current = this.#options.aap.job(job.id);
        if (current && current.finishedAt === undefined) {
          this.#options.aap.finishJob(job.id, run.code === 0 ? "successful" : "failed");
        }
      } finally {
        this.#active.delete(job.id);
        await rm(dir, { recursive: true, force: true });
      }
    })();
    // The active entry is set inside; keep the promise for stop() until then.
    void done;
  }
}
