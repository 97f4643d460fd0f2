/**
 * The whole EDA chain with real playbooks (issue 14): EdaProvider posts its event to the
 * EdaSimulator's webhook source, the simulated rulebook's rule launches the job template on
 * the AAP simulator over HTTP, the job runs the reference playbook of `ansible/` with the real
 * `ansible-playbook` (AapPlaybookRunner), the playbook writes back through the Kubernetes API
 * (the simulator, and the real API server when its tier is provisioned), and EdaProvider
 * reads the outcome: from the object, or in AAP mode from the AAP job. The EdaSimulator
 * writes nothing itself (`playbook.effects: "external"`). Skipped, never passed, when the
 * Ansible tier is not installed (scripts/ansible/ci-tier.sh).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JobState, type JobRecord, type ProvisionStatus } from "@provisionkit/core";
import { AapProvider } from "@provisionkit/provider-aap";
import { EdaProvider } from "@provisionkit/provider-eda";
import {
  AapPlaybookRunner,
  AapSimulator,
  EdaSimulator,
  EXTERNAL_EFFECTS,
  REAL_PLAYBOOK_SCRIPT,
} from "@provisionkit/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ANSIBLE_DIR, ansibleStatus, TEST_TASKS } from "../support/ansible.ts";
import { AAP_FINALIZER, summary } from "../support/ansible-cases.ts";
import { DiscoveryFront } from "../support/ansible-discovery.ts";
import { CRD, describeOnClusters, Users, type TestCluster } from "../support/cluster.ts";
import { aapClientOptions, CREATE, DELETE, FINALIZER } from "../support/world.ts";

const ansible = ansibleStatus();
if (!ansible.available) {
  console.warn(`ANSIBLE TIER: NOT RUN — ${ansible.reason ?? "unknown"}; these tests are SKIPPED`);
}
const HMAC = "hmac-for-the-eda-chain-0123456789";
const signal = new AbortController().signal;
/** A real playbook run takes seconds (Python starts per module), more on a loaded machine. */
const RUN_TIMEOUT_MS = 180_000;

type Mode = "object" | "aap";
const TERMINAL: readonly JobState[] = [JobState.Succeeded, JobState.Failed, JobState.Canceled];

describe.skipIf(!ansible.available)(
  "EdaProvider → EDA webhook → rule → AAP job → real ansible-playbook → Kubernetes → EdaProvider",
  () => {
    describeOnClusters("the EDA chain", (cluster: () => TestCluster) => {
      const namespace = "eda-chain";
      let dir: string;
      /** The real server's discovery front for kubernetes.core (see ansible-discovery.ts). */
      let front: DiscoveryFront | undefined;
      let aap: AapSimulator | undefined;
      let eda: EdaSimulator | undefined;
      let runner: AapPlaybookRunner | undefined;

      beforeAll(async () => {
        dir = await mkdtemp(join(tmpdir(), "provisionkit-eda-chain-"));
        let kubeconfig = cluster().kubeconfigText();
        if (cluster().kind === "real") {
          front = await DiscoveryFront.start(kubeconfig, [CRD]);
          kubeconfig = front.kubeconfig;
        }
        await writeFile(join(dir, "kubeconfig"), kubeconfig, { mode: 0o600 });
      });
      afterAll(async () => {
        await front?.stop();
        await rm(dir, { recursive: true, force: true });
      });
      afterEach(async () => {
        await runner?.stop();
        await eda?.stop();
        await aap?.stop();
      });

      /** AAP (jobs run the reference playbooks for real) and EDA in front of it. */
      async function start(createVars: Record<string, unknown> = {}): Promise<void> {
        aap = new AapSimulator({ defaultScript: REAL_PLAYBOOK_SCRIPT });
        aap.addJobTemplate({ name: CREATE, allowSimultaneous: true, extraVars: createVars });
        aap.addJobTemplate({ name: DELETE, allowSimultaneous: true });
        await aap.start();
        eda = new EdaSimulator({
          aap,
          rules: [
            { endpoint: CREATE, template: CREATE },
            { endpoint: DELETE, template: DELETE },
          ],
          webhook: { hmac: { secret: HMAC } },
          pumpIntervalMs: 10,
          activation: { executionStrategy: "parallel" },
          playbook: { effects: "external" },
        });
        await eda.start();
        runner = new AapPlaybookRunner({
          aap,
          playbooks: {
            [CREATE]: join(ANSIBLE_DIR, "playbooks/provision.yml"),
            [DELETE]: join(ANSIBLE_DIR, "playbooks/deprovision.yml"),
          },
          env: {
            K8S_AUTH_KUBECONFIG: join(dir, "kubeconfig"),
            ANSIBLE_LOCALHOST_WARNING: "false",
            ANSIBLE_RETRY_FILES_ENABLED: "false",
          },
        });
        runner.start();
      }

      function provider(mode: Mode): EdaProvider {
        return new EdaProvider({
          target: { type: "webhook", url: eda!.webhookUrl },
          auth: { type: "hmac", secret: HMAC },
          pollIntervalMs: 50,
          minEventIntervalMs: 0,
          ...(mode === "aap" ? { aap: new AapProvider({ client: aapClientOptions(aap!) }) } : {}),
        });
      }

      /** The job of `template` for object `name`, and its real run's output. */
      function jobOf(template: string, name: string) {
        const job = aap!
          .ledger()
          .find((j) => j.templateName === template && j.resourceKey === `${namespace}/${name}`);
        return { job, output: job && runner!.run(job.id)?.output };
      }

      /**
       * The job of `template` for `name` once it ended and its run exited. In object mode
       * EdaProvider reports success as soon as the playbook's annotations land, while the
       * playbook still adds the finalizer (docs/eda-protocol.md: annotations first).
       */
      async function endedJob(template: string, name: string) {
        return vi.waitFor(
          () => {
            const found = jobOf(template, name);
            const run = found.job && runner!.run(found.job.id);
            if (found.job?.finishedAt === undefined || run?.code === undefined)
              throw new Error(`the ${template} job of ${name} still runs`);
            return { ...found, job: found.job, run };
          },
          { timeout: RUN_TIMEOUT_MS, interval: 50 },
        );
      }

      /** Where a job's time went: queued in AAP, run, and since it ended. */
      function timing(job: { createdAt: number; startedAt?: number; finishedAt?: number }) {
        const ms = (a?: number, b?: number) => (a === undefined || b === undefined ? "?" : b - a);
        return `pending ${ms(job.createdAt, job.startedAt)} ms, playbook ${ms(job.startedAt, job.finishedAt)} ms`;
      }

      /** Polls a status call, with the object as it then is, until the job is terminal. */
      async function settle(
        users: Users,
        name: string,
        read: (object: NonNullable<Awaited<ReturnType<Users["get"]>>>) => Promise<ProvisionStatus>,
      ): Promise<ProvisionStatus> {
        return vi.waitFor(
          async () => {
            const object = await users.get(name);
            if (!object) throw new Error(`${name} is gone`);
            const status = await read(object);
            if (!TERMINAL.includes(status.state))
              throw new Error(`${status.state}: ${status.message}`);
            return status;
          },
          { timeout: RUN_TIMEOUT_MS, interval: 200 },
        );
      }

      async function created(users: Users, name: string) {
        await users.create(name, { cores: 2 });
        await users.patch(name, { metadata: { finalizers: [FINALIZER] } });
        return (await users.get(name))!;
      }

      it.each(["object", "aap"] as const)(
        "EdaProvider (%s mode): provision, then delete and deprovision, run by the real playbooks through EDA and AAP",
        async (mode) => {
          await start();
          const users = new Users(cluster().kubeConfig(), namespace);
          const name = `chain-${mode}`;
          const p = provider(mode);
          const object = await created(users, name);
          const started = Date.now();
          const { jobId } = await p.triggerProvision(object, {
            configVersion: "v1",
            correlationId: `c-${mode}-provision`,
            signal,
          });
          const provisioned = await settle(users, name, (o) =>
            p.getProvisionStatus(o, jobId, { signal }),
          );
          const reportedMs = Date.now() - started;
          const create = await endedJob(CREATE, name);
          expect(provisioned.state, create.output).toBe(JobState.Succeeded);
          expect(provisioned.reconciledVersion ?? "v1").toBe("v1");
          // The job was launched by the rule, ran the real playbook, and EDA wrote nothing.
          expect(create.job.status).toBe("successful");
          expect(create.run.code).toBe(0);
          expect(create.output).toContain("Hold the resource until it is deprovisioned");
          expect(eda!.events().map((e) => e.fate)).toEqual(["launched"]);
          await vi.waitFor(() =>
            expect(eda!.effects()).toMatchObject([
              { jobId: create.job.id, outcome: "skipped", reason: EXTERNAL_EFFECTS },
            ]),
          );
          expect(summary(await users.get(name))).toEqual({
            finalizers: [FINALIZER, AAP_FINALIZER],
            deleting: false,
            annotations: {
              "provisionkit.io/applied-config-version": "v1",
              "provisionkit.io/applied-correlation-id": `c-${mode}-provision`,
            },
          });
          const provisionMs = Date.now() - started;

          await users.delete(name);
          const deleting = (await users.get(name))!;
          expect(deleting.metadata.deletionTimestamp).toBeTruthy();
          const now = new Date().toISOString();
          const record: JobRecord = {
            jobId,
            type: "provision",
            state: JobState.Succeeded,
            message: provisioned.message,
            provider: p.name,
            correlationId: `c-${mode}-provision`,
            launchedAt: now,
            updatedAt: now,
            finishedAt: now,
            configVersion: "v1",
            attempt: 1,
          };
          const result = await p.triggerDeprovision(deleting, [record], {
            correlationId: `c-${mode}-deprovision`,
            signal,
          });
          if (result.action !== "triggered") throw new Error(JSON.stringify(result));
          const deprovisioned = await settle(users, name, (o) =>
            p.getDeprovisionStatus(o, result.jobId, { signal }),
          );
          const teardown = await endedJob(DELETE, name);
          expect(deprovisioned.state, teardown.output).toBe(JobState.Succeeded);
          expect(teardown.job.status).toBe("successful");
          const released = await users.get(name);
          expect(summary(released), teardown.output).toMatchObject({
            finalizers: [FINALIZER],
            deleting: true,
            annotations: {
              "provisionkit.io/applied-correlation-id": `c-${mode}-deprovision`,
            },
          });
          // The operator's own finalizer goes last: the object is then gone.
          await users.patch(name, { metadata: { finalizers: [] } });
          await vi.waitFor(
            async () => {
              if (await users.get(name)) throw new Error(`${name} still exists`);
            },
            { timeout: 10_000, interval: 50 },
          );
          console.info(
            `eda chain (${cluster().kind}, ${mode} mode): provision reported after ${reportedMs} ms (job: ${timing(create.job)}), ` +
              `through ${provisionMs} ms; deprovision job: ${timing(teardown.job)}; whole lifecycle ${Date.now() - started} ms`,
          );
        },
        RUN_TIMEOUT_MS * 2,
      );

      it(
        "EdaProvider (AAP mode): a failing provision playbook fails the AAP job and writes the failure annotation; AAP shows no traceback for it, as AWX",
        async () => {
          await start({ provisionkit_provision_tasks: TEST_TASKS.fail });
          const users = new Users(cluster().kubeConfig(), namespace);
          const name = "chain-failing";
          const p = provider("aap");
          const object = await created(users, name);
          const { jobId } = await p.triggerProvision(object, {
            configVersion: "v1",
            correlationId: "c-failing",
            signal,
          });
          const status = await settle(users, name, (o) =>
            p.getProvisionStatus(o, jobId, { signal }),
          );
          const create = await endedJob(CREATE, name);
          expect(status.state, create.output).toBe(JobState.Failed);
          expect(create.job.status).toBe("failed");
          expect(create.run.code).not.toBe(0);
          expect(create.output).toContain("the test's own tasks failed on purpose");
          // AWX fills result_traceback only for errors of its own, not for a playbook that
          // failed (AapPlaybookFailure "playbook"): nothing of the output reaches the status.
          expect(status.errorDetails ?? "").not.toContain("failed on purpose");
          expect(summary(await users.get(name))).toEqual({
            finalizers: [FINALIZER],
            deleting: false,
            annotations: {},
            failure: { correlationId: "c-failing", operation: "provision", hasMessage: true },
          });
        },
        RUN_TIMEOUT_MS,
      );
    });
  },
);
