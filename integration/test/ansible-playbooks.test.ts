/**
 * The Ansible tier: the reference playbooks (ansible/) run with the real `ansible-playbook`
 * on the exact event EdaProvider sends, and EdaProvider reads the outcome from the object;
 * each case runs through the EdaSimulator's modelled playbook effects as well, and both must
 * leave the same object (issue 14). Skipped, never passed, when the tier is not installed
 * (scripts/ansible/ci-tier.sh).
 */
import { access, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JobState, type ResourceObject } from "@provisionkit/core";
import { EdaProvider } from "@provisionkit/provider-eda";
import {
  AAP_CANCEL_SIGNAL,
  AapSimulator,
  EdaSimulator,
  type AapLedgerJob,
} from "@provisionkit/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  ansibleStatus,
  ANSIBLE_DIR,
  runPlaybook,
  TEST_TASKS,
  type PlaybookRun,
} from "../support/ansible.ts";
import {
  AAP_FINALIZER,
  CASES,
  CID,
  EventCapture,
  summary,
  type AnsibleCase,
  type ObjectSummary,
} from "../support/ansible-cases.ts";
import { DiscoveryFront } from "../support/ansible-discovery.ts";
import { CRD, describeOnClusters, Users, type TestCluster } from "../support/cluster.ts";
import { CREATE, DELETE, FINALIZER } from "../support/world.ts";
import { execFile } from "node:child_process";

const ansible = ansibleStatus();
if (!ansible.available) {
  console.warn(`ANSIBLE TIER: NOT RUN — ${ansible.reason ?? "unknown"}; these tests are SKIPPED`);
}
const HMAC = "hmac-for-the-ansible-tier-0123456789";
const signal = new AbortController().signal;
/** A real playbook run takes seconds (Python starts per module), more on a loaded machine. */
const CASE_TIMEOUT_MS = 180_000;

interface Outcome {
  summary: ObjectSummary | undefined;
  state: string;
  run?: PlaybookRun;
}

function provider(url: string, c: AnsibleCase): EdaProvider {
  return new EdaProvider({
    target: { type: "webhook", url },
    auth: { type: "hmac", secret: HMAC },
    pollIntervalMs: 50,
    minEventIntervalMs: 0,
    ...(c.blockDeletionOnFailure === undefined
      ? {}
      : { blockDeletionOnFailure: c.blockDeletionOnFailure }),
  });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe.skipIf(!ansible.available)("the reference Ansible content (real ansible-playbook)", () => {
  it(
    "passes ansible-playbook --syntax-check and, where installed, ansible-lint",
    async () => {
      const run = (cmd: string, args: string[]) =>
        new Promise<{ code: number; output: string }>((done) =>
          execFile(
            cmd,
            args,
            { cwd: ANSIBLE_DIR, env: { ...process.env, ANSIBLE_NOCOLOR: "1" } },
            (e, out, err) =>
              done({
                code: e ? Number((e as { code?: unknown }).code ?? 1) : 0,
                output: out + err,
              }),
          ),
        );
      const syntax = await run("ansible-playbook", [
        "--syntax-check",
        "playbooks/provision.yml",
        "playbooks/deprovision.yml",
      ]);
      expect(syntax.output).toContain("playbook: playbooks/deprovision.yml");
      expect(syntax.code, syntax.output).toBe(0);
      const lint = await run("ansible-lint", ["--version"]);
      if (lint.code !== 0) {
        console.warn("ansible-lint is not installed: only --syntax-check ran");
        return;
      }
      const linted = await run("ansible-lint", [
        "--offline",
        "--nocolor",
        "-p",
        "playbooks/",
        "rulebooks/",
      ]);
      expect(linted.code, linted.output).toBe(0);
    },
    CASE_TIMEOUT_MS,
  );

  describeOnClusters(
    "the playbooks and the EdaSimulator's effects",
    (cluster: () => TestCluster) => {
      let aap: AapSimulator;
      let eda: EdaSimulator;
      let capture: EventCapture;
      /** The real server's discovery front (see ansible-discovery.ts); none on the simulator. */
      let front: DiscoveryFront | undefined;
      /** The kubeconfig the playbooks get. */
      let playbookKubeconfig: string;
      const namespace = "ansible-tier";

      beforeAll(async () => {
        aap = new AapSimulator({
          defaultScript: { pendingMs: 0, waitingMs: 0, neverFinishes: true },
        });
        aap.addJobTemplate({ name: CREATE, allowSimultaneous: true });
        aap.addJobTemplate({ name: DELETE, allowSimultaneous: true });
        await aap.start();
        eda = new EdaSimulator({
          aap,
          kubernetes: cluster().kubeconfigText(),
          rules: [
            { endpoint: CREATE, template: CREATE },
            { endpoint: DELETE, template: DELETE },
          ],
          webhook: { hmac: { secret: HMAC } },
          pumpIntervalMs: 10,
          activation: { executionStrategy: "parallel" },
        });
        await eda.start();
        capture = await EventCapture.start();
        if (cluster().kind === "real") {
          front = await DiscoveryFront.start(cluster().kubeconfigText(), [CRD]);
          playbookKubeconfig = front.kubeconfig;
        } else playbookKubeconfig = cluster().kubeconfigText();
      });
      afterAll(async () => {
        if (front) {
          console.info(`discovery the front answered itself: ${[...front.synthesized].join(", ")}`);
        }
        await front?.stop();
        await capture?.stop();
        await eda?.stop();
        await aap?.stop();
      });

      /** The object of a case, set up as the case says; returns the object as read. */
      async function prepare(users: Users, name: string, c: AnsibleCase): Promise<ResourceObject> {
        await users.create(name, { cores: 2 });
        await users.patch(name, {
          metadata: {
            finalizers: c.provisioned ? [FINALIZER, AAP_FINALIZER] : [FINALIZER],
            ...(c.provisioned
              ? {
                  annotations: {
                    "provisionkit.io/applied-config-version": "v0",
                    "provisionkit.io/applied-correlation-id": "c-earlier",
                  },
                }
              : {}),
          },
        });
        if (c.operation === "deprovision") await users.delete(name);
        const object = await users.get(name);
        if (!object) throw new Error(`${name} is gone`);
        return object;
      }

      async function trigger(
        p: EdaProvider,
        object: ResourceObject,
        c: AnsibleCase,
      ): Promise<string> {
        if (c.operation === "provision") {
          const r = await p.triggerProvision(object, {
            configVersion: "v1",
            correlationId: CID,
            signal,
          });
          return r.jobId;
        }
        // The earlier provision's record is not passed: the object's finalizer and applied version
        // are what tell EdaProvider that something was provisioned.
        const r = await p.triggerDeprovision(object, [], { correlationId: CID, signal });
        if (r.action !== "triggered") throw new Error(`no deprovision job: ${JSON.stringify(r)}`);
        return r.jobId;
      }

      async function judge(
        p: EdaProvider,
        users: Users,
        name: string,
        c: AnsibleCase,
        jobId: string,
      ) {
        const object = await users.get(name);
        if (!object) throw new Error(`${name} is gone`);
        const status =
          c.operation === "provision"
            ? await p.getProvisionStatus(object, jobId, { signal })
            : await p.getDeprovisionStatus(object, jobId, { signal });
        return { summary: summary(object), state: status.state };
      }

      async function simulated(c: AnsibleCase): Promise<Outcome> {
        const users = new Users(cluster().kubeConfig(), namespace);
        const name = `${c.name}-sim`;
        const p = provider(eda.webhookUrl, c);
        const jobId = await trigger(p, await prepare(users, name, c), c);
        const template = c.operation === "provision" ? CREATE : DELETE;
        const job = await vi.waitFor(
          () => {
            const found = aap
              .ledger()
              .find(
                (j: AapLedgerJob) =>
                  j.resourceKey === `${namespace}/${name}` && j.templateName === template,
              );
            if (!found) throw new Error(`no ${template} job for ${name} yet`);
            return found;
          },
          { timeout: 10_000, interval: 20 },
        );
        if (c.deleteWhileRunning) await users.delete(name);
        aap.finishJob(job.id, c.outcome);
        await vi.waitFor(
          () => {
            if (!eda.effects().some((e) => e.jobId === job.id)) throw new Error("no effect yet");
          },
          { timeout: 10_000, interval: 20 },
        );
        return judge(p, users, name, c, jobId);
      }

      async function real(c: AnsibleCase): Promise<Outcome> {
        const users = new Users(cluster().kubeConfig(), namespace);
        const name = `${c.name}-real`;
        const p = provider(capture.url, c);
        const jobId = await trigger(p, await prepare(users, name, c), c);
        const payload = capture.last(name);
        if (c.deleteWhileRunning) await users.delete(name);
        const tasks =
          c.operation === "provision"
            ? "provisionkit_provision_tasks"
            : "provisionkit_deprovision_tasks";
        // One marker per cluster and case (the same file runs the case on both): a stale one
        // would cancel the run before the tasks start.
        const marker = join(
          tmpdir(),
          `provisionkit-ansible-${process.pid}-${cluster().kind}-${name}`,
        );
        await rm(marker, { force: true });
        const cancel = new AbortController();
        const extraVars =
          c.outcome === "failed"
            ? { [tasks]: TEST_TASKS.fail }
            : c.outcome === "canceled"
              ? { [tasks]: TEST_TASKS.hold, provisionkit_test_marker: marker }
              : {};
        const running = runPlaybook(c.operation, {
          payload,
          kubeconfig: playbookKubeconfig,
          extraVars,
          signal: cancel.signal,
          endpoint: c.operation === "provision" ? CREATE : DELETE,
        });
        if (c.outcome === "canceled") {
          // Cancel once the user's tasks run (the marker they write), as AAP cancels a running job.
          await vi.waitFor(
            async () => {
              if (!(await exists(marker))) throw new Error("the tasks have not started");
            },
            { timeout: CASE_TIMEOUT_MS / 2, interval: 100 },
          );
          cancel.abort();
        }
        const run = await running;
        return { ...(await judge(p, users, name, c, jobId)), run };
      }

      it.each(CASES)(
        "$name: the real playbook and the simulated effects leave the same object, read as $state",
        async (c) => {
          const [sim, rl] = await Promise.all([simulated(c), real(c)]);
          const run = rl.run!;
          if (c.outcome === "successful") expect(run.code, run.output).toBe(0);
          if (c.outcome === "failed") {
            expect(run.code, run.output).not.toBe(0);
            expect(run.output).toContain("the test's own tasks failed on purpose");
          }
          // A canceled job's playbook is SIGKILLed with its workers (AAP_CANCEL_SIGNAL).
          if (c.outcome === "canceled") expect(run.signal, run.output).toBe(AAP_CANCEL_SIGNAL);
          // Both leave the object the protocol says, and the two are the same.
          expect(rl.summary, run.output).toEqual(c.leaves);
          expect(sim.summary).toEqual(c.leaves);
          expect(sim.summary).toEqual(rl.summary);
          // EdaProvider reads the outcome from the object.
          expect(rl.state).toBe(JobState[c.state]);
          expect(sim.state).toBe(JobState[c.state]);
        },
        CASE_TIMEOUT_MS,
      );
    },
  );
});
