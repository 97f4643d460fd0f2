/**
 * The whole AAP chain with a real playbook: AapProvider launches the job template on the AAP
 * simulator, the job runs the reference playbook with the real `ansible-playbook`
 * (AapPlaybookRunner), the playbook writes back to the Kubernetes API simulator, and
 * AapProvider reads the job's outcome while the object shows the protocol's write-backs.
 * Skipped, never passed, when the Ansible tier is not installed.
 */
import { access, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JobState, type JobRecord, type ResourceObject } from "@provisionkit/core";
import { AapProvider } from "@provisionkit/provider-aap";
import {
  AAP_CANCEL_SIGNAL,
  AapPlaybookRunner,
  AapSimulator,
  type AapPlaybookFailure,
  KubernetesApiSimulator,
  REAL_PLAYBOOK_SCRIPT,
} from "@provisionkit/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ANSIBLE_DIR, ansibleStatus, TEST_TASKS } from "../support/ansible.ts";
import { AAP_FINALIZER } from "../support/ansible-cases.ts";
import { CRD, loadKubeConfig, Users } from "../support/cluster.ts";
import { aapClientOptions, CREATE, DELETE, FINALIZER } from "../support/world.ts";

const ansible = ansibleStatus();
const signal = new AbortController().signal;
const TIMEOUT_MS = 180_000;
const namespace = "aap-chain";

describe.skipIf(!ansible.available)(
  "AapProvider → AAP job → real ansible-playbook → Kubernetes",
  () => {
    let kube: KubernetesApiSimulator;
    let dir: string;
    let aap: AapSimulator;
    let runner: AapPlaybookRunner;
    let users: Users;

    async function start(
      templateVars: Record<string, unknown> = {},
      failureAs: AapPlaybookFailure = "playbook",
    ): Promise<void> {
      aap = new AapSimulator({ defaultScript: REAL_PLAYBOOK_SCRIPT });
      aap.addJobTemplate({ name: CREATE, allowSimultaneous: true, extraVars: templateVars });
      aap.addJobTemplate({ name: DELETE, allowSimultaneous: true });
      await aap.start();
      runner = new AapPlaybookRunner({
        aap,
        playbooks: {
          [CREATE]: join(ANSIBLE_DIR, "playbooks/provision.yml"),
          [DELETE]: join(ANSIBLE_DIR, "playbooks/deprovision.yml"),
        },
        env: { K8S_AUTH_KUBECONFIG: join(dir, "kubeconfig"), ANSIBLE_LOCALHOST_WARNING: "false" },
        failureAs,
      });
      runner.start();
    }

    beforeEach(async () => {
      kube = new KubernetesApiSimulator({ crds: [CRD] });
      await kube.start();
      dir = await mkdtemp(join(tmpdir(), "provisionkit-aap-chain-"));
      await writeFile(join(dir, "kubeconfig"), kube.kubeconfig(), { mode: 0o600 });
      users = new Users(loadKubeConfig(kube.kubeconfig()), namespace);
    });
    afterEach(async () => {
      await runner?.stop();
      await aap?.stop();
      await kube.stop();
      await rm(dir, { recursive: true, force: true });
    });

    async function created(name: string): Promise<ResourceObject> {
      await users.create(name, { cores: 2 });
      await users.patch(name, { metadata: { finalizers: [FINALIZER] } });
      return (await users.get(name))!;
    }

    it(
      "provisions and deprovisions: the job's status is the playbook's, the object carries its write-backs",
      async () => {
        await start();
        const provider = new AapProvider({ client: aapClientOptions(aap) });
        const object = await created("chain");
        const { jobId } = await provider.triggerProvision(object, {
          configVersion: "v1",
          correlationId: "c-aap-provision",
          signal,
        });
        const status = await vi.waitFor(
          async () => {
            const s = await provider.getProvisionStatus(object, jobId, { signal });
            if (s.state !== JobState.Succeeded && s.state !== JobState.Failed)
              throw new Error(s.state);
            return s;
          },
          { timeout: TIMEOUT_MS, interval: 200 },
        );
        const job = aap.ledger().find((j) => j.templateName === CREATE)!;
        expect(status.state, runner.run(job.id)?.output).toBe(JobState.Succeeded);
        expect(runner.run(job.id)?.code).toBe(0);
        const provisioned = (await users.get("chain"))!;
        expect(provisioned.metadata.finalizers).toEqual([FINALIZER, AAP_FINALIZER]);
        expect(provisioned.metadata.annotations).toMatchObject({
          "provisionkit.io/applied-config-version": "v1",
          "provisionkit.io/applied-correlation-id": "c-aap-provision",
        });

        await users.delete("chain");
        const deleting = (await users.get("chain"))!;
        // The engine's record of the provision that ran (what it hands to triggerDeprovision).
        const now = new Date().toISOString();
        const record: JobRecord = {
          jobId,
          type: "provision",
          state: JobState.Succeeded,
          message: status.message,
          provider: provider.name,
          correlationId: "c-aap-provision",
          launchedAt: now,
          updatedAt: now,
          finishedAt: now,
          configVersion: "v1",
          attempt: 1,
        };
        const result = await provider.triggerDeprovision(deleting, [record], {
          correlationId: "c-aap-deprovision",
          signal,
        });
        if (result.action !== "triggered") throw new Error(JSON.stringify(result));
        const ended = await vi.waitFor(
          async () => {
            const s = await provider.getDeprovisionStatus(deleting, result.jobId, { signal });
            if (s.state !== JobState.Succeeded && s.state !== JobState.Failed)
              throw new Error(s.state);
            return s;
          },
          { timeout: TIMEOUT_MS, interval: 200 },
        );
        const teardown = aap.ledger().find((j) => j.templateName === DELETE)!;
        expect(ended.state, runner.run(teardown.id)?.output).toBe(JobState.Succeeded);
        const released = (await users.get("chain"))!;
        expect(released.metadata.finalizers).toEqual([FINALIZER]);
        expect(released.metadata.annotations?.["provisionkit.io/applied-correlation-id"]).toBe(
          "c-aap-deprovision",
        );
      },
      TIMEOUT_MS * 2,
    );

    it(
      "a real failed playbook whose worker AAP reports failed: AapProvider's failure details carry AWX's clipped \"Worker output\" traceback",
      async () => {
        await start({ provisionkit_provision_tasks: TEST_TASKS.fail }, "worker");
        const provider = new AapProvider({ client: aapClientOptions(aap) });
        const object = await created("traceback");
        const { jobId } = await provider.triggerProvision(object, {
          configVersion: "v1",
          correlationId: "c-aap-traceback",
          signal,
        });
        const status = await vi.waitFor(
          async () => {
            const s = await provider.getProvisionStatus(object, jobId, { signal });
            if (s.state !== JobState.Succeeded && s.state !== JobState.Failed)
              throw new Error(s.state);
            return s;
          },
          { timeout: TIMEOUT_MS, interval: 200 },
        );
        const job = aap.ledger().find((j) => j.templateName === CREATE)!;
        const run = runner.run(job.id)!;
        expect(job.status).toBe("error");
        expect(status.state, run.output).toBe(JobState.Failed);
        expect(status.message).toContain("Job terminated due to error");
        // The traceback is the run's last 1000 bytes (AWX's clip), after the explanation.
        const output = Buffer.from(run.output);
        expect(output.length).toBeGreaterThan(1000);
        const tail = output.subarray(output.length - 1000).toString();
        expect(status.errorDetails).toBe(
          `Job terminated due to error\nWorker output:\n${tail.trim()}`,
        );
        expect(status.errorDetails).toContain("the test's own tasks failed on purpose");
        expect(status.errorDetails).toContain("PLAY RECAP");
        expect(status.errorDetails).not.toContain(output.subarray(0, 200).toString());
        // The playbook still reported the failure on the object.
        const after = (await users.get("traceback"))!;
        expect(after.metadata.annotations?.["provisionkit.io/playbook-failure"]).toContain(
          "c-aap-traceback",
        );
      },
      TIMEOUT_MS,
    );

    it(
      "a job canceled through AAP stops its playbook by signal and writes nothing",
      async () => {
        const marker = join(dir, "started");
        await start({
          provisionkit_provision_tasks: TEST_TASKS.hold,
          provisionkit_test_marker: marker,
        });
        const provider = new AapProvider({ client: aapClientOptions(aap) });
        const object = await created("canceled");
        const { jobId } = await provider.triggerProvision(object, {
          configVersion: "v1",
          correlationId: "c-aap-cancel",
          signal,
        });
        await vi.waitFor(
          async () => {
            const job = aap.ledger().find((j) => j.templateName === CREATE);
            await access(marker).catch(() => {
              throw new Error(
                `not started: job ${job?.status}, run ${JSON.stringify(job && runner.run(job.id))}`,
              );
            });
          },
          { timeout: 60_000, interval: 100 },
        );
        await provider.cancelJob(object, jobId, "provision", { signal });
        const job = aap.ledger().find((j) => j.templateName === CREATE)!;
        const run = await vi.waitFor(
          () => {
            const r = runner.run(job.id);
            if (r?.code === undefined) throw new Error("the playbook still runs");
            return r;
          },
          { timeout: TIMEOUT_MS, interval: 100 },
        );
        expect(run.canceled).toBe(true);
        // AAP's cancel reaches ansible-playbook as SIGKILL to its process group (AAP_CANCEL_SIGNAL).
        expect(run).toMatchObject({ signal: AAP_CANCEL_SIGNAL, code: null });
        expect(aap.job(job.id)?.status).toBe("canceled");
        const status = await provider.getProvisionStatus(object, jobId, { signal });
        expect(status.state).toBe(JobState.Canceled);
        const after = (await users.get("canceled"))!;
        expect(after.metadata.finalizers).toEqual([FINALIZER]);
        expect(
          Object.keys(after.metadata.annotations ?? {}).filter((k) =>
            k.startsWith("provisionkit.io/"),
          ),
        ).toEqual([]);
      },
      TIMEOUT_MS,
    );
  },
);
