/**
 * The start of a real API server: certificates, etcd, the auth stub, the API server and the CRDs.
 * @module
 */
import { rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAuthStub, type AuthStub } from "./auth-stub.ts";
import { realApiServerBinaries } from "./cache.ts";
import { makePki, type Pki } from "./certs.ts";
import { createCrd } from "./crds.ts";
import { ADDRESS_IN_USE, startEtcd } from "./etcd.ts";
import { call } from "./http.ts";
import { kubeconfigFor, stubKubeconfig } from "./kubeconfig.ts";
import { freePort, startChild, stopChild, waitFor, type Child } from "./processes.ts";
import { realApiServerStatus } from "./status.ts";
import type { RealApiServer, RealApiServerOptions } from "./types.ts";

/**
 * Starts a real API server for one test file (or one test): etcd with a temporary data
 * directory and no fsync, the auth stub, and apiextensions-apiserver with TLS on a free loopback
 * port. Resolves once `/readyz` is 200 and every CRD in `options.crds` is Established and answers
 * a list, a watch and a dry-run create (the API server answers 429 "storage is (re)initializing"
 * for a moment after a CRD is created, and the first write to a new CRD blocks about 2 s).
 * Takes about 3-4 s.
 *
 * Throws when the tier is not provisioned (check {@link realApiServerStatus} first), and when a
 * process dies or is not ready in time, with the last lines of its output. Call
 * {@link RealApiServer.stop} in `afterAll`; processes are also killed when the test process exits.
 */
export async function startRealApiServer(options: RealApiServerOptions): Promise<RealApiServer> {
  const binaries = realApiServerBinaries();
  if (!binaries) {
    const status = realApiServerStatus();
    throw new Error(status.available ? "the real API server is not provisioned" : status.reason);
  }
  const timeoutMs = options.readyTimeoutMs ?? 45_000;
  const started = performance.now();
  const timings = { etcdMs: 0, apiserverMs: 0, crdsMs: 0, totalMs: 0 };
  let lap = started;
  const since = () => {
    const now = performance.now();
    const ms = Math.round(now - lap);
    lap = now;
    return ms;
  };
  const dir = await mkdtemp(join(tmpdir(), "provisionkit-apiserver-"));
  const children: Child[] = [];
  let stub: AuthStub | undefined;
  // Last resort when the test process exits without stop(): no orphaned servers, no temp dirs.
  const onExit = () => {
    for (const child of children)
      if (child.exitDescription() === undefined) child.process.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      // The API server first: it holds connections to etcd and to the stub.
      for (const child of [...children].reverse()) await stopChild(child);
      await stub?.close();
      await rm(dir, { recursive: true, force: true });
      process.removeListener("exit", onExit);
    })();
    return stopped;
  };

  try {
    // All three at once; whatever started is stopped by stop() if another one failed.
    const [pkiResult, etcdResult, stubResult] = await Promise.allSettled([
      makePki(dir),
      startEtcd(binaries.etcd, dir, timeoutMs),
      startAuthStub(),
    ]);
    if (etcdResult.status === "fulfilled") children.push(etcdResult.value.child);
    if (stubResult.status === "fulfilled") stub = stubResult.value;
    for (const result of [pkiResult, etcdResult, stubResult]) {
      if (result.status === "rejected") throw result.reason;
    }
    const pki = (pkiResult as PromiseFulfilledResult<Pki>).value;
    const etcd = (etcdResult as PromiseFulfilledResult<{ child: Child; url: string }>).value;
    const authStub = (stubResult as PromiseFulfilledResult<AuthStub>).value;
    timings.etcdMs = since();
    const stubConfig = join(dir, "stub.kubeconfig");
    await Promise.all([
      writeFile(stubConfig, stubKubeconfig(authStub.url)),
      writeFile(join(dir, "server.crt"), pki.serverCert),
      writeFile(join(dir, "server.key"), pki.serverKey),
    ]);

    let url = "";
    const launch = (port: number): Child =>
      startChild(
        "apiextensions-apiserver",
        binaries.apiserver,
        [
          `--etcd-servers=${etcd.url}`,
          "--bind-address=127.0.0.1",
          `--secure-port=${port}`,
          `--cert-dir=${join(dir, "certs")}`,
          `--tls-cert-file=${join(dir, "server.crt")}`,
          `--tls-private-key-file=${join(dir, "server.key")}`,
          `--client-ca-file=${join(dir, "ca.crt")}`,
          `--kubeconfig=${stubConfig}`,
          `--authentication-kubeconfig=${stubConfig}`,
          `--authorization-kubeconfig=${stubConfig}`,
          "--authentication-skip-lookup",
          "--enable-priority-and-fairness=false",
          "--disable-admission-plugins=NamespaceLifecycle,MutatingAdmissionPolicy,MutatingAdmissionWebhook,ValidatingAdmissionPolicy,ValidatingAdmissionWebhook",
        ],
        dir,
      );
    const ready = (apiserver: Child) =>
      waitFor("/readyz to answer 200", apiserver, timeoutMs, async () => {
        const reply = await call(pki, url, "GET", "/readyz", undefined, 2_000);
        if (reply.status !== 200)
          throw new Error(`/readyz answered ${reply.status}: ${reply.text.slice(0, 500)}`);
        return true;
      });
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      url = `https://127.0.0.1:${port}`;
      const apiserver = launch(port);
      children.push(apiserver);
      try {
        await ready(apiserver);
        timings.apiserverMs = since();
        await Promise.all(
          options.crds.map((crd) => createCrd(pki, url, crd, apiserver, timeoutMs)),
        );
        break;
      } catch (error) {
        await stopChild(apiserver);
        children.pop();
        if (attempt < 3 && ADDRESS_IN_USE.test(apiserver.output.last(30))) continue;
        if (authStub.unexpected.length > 0 && error instanceof Error) {
          error.message += `\n(the auth stub was asked for, and did not serve: ${authStub.unexpected.slice(0, 10).join(", ")})`;
        }
        throw error;
      }
    }
    timings.crdsMs = since();
    timings.totalMs = Math.round(performance.now() - started);
    const restartApiServer = async (): Promise<void> => {
      // SIGKILL, as a crashed or OOM-killed process: no graceful shutdown, open watches and
      // requests just break. etcd keeps the objects (and the CRDs).
      const old = children.pop();
      if (old && old.exitDescription() === undefined) {
        const gone = new Promise<void>((resolve) => old.process.once("exit", () => resolve()));
        old.process.kill("SIGKILL");
        await gone;
      }
      const apiserver = launch(port);
      children.push(apiserver);
      await ready(apiserver);
    };
    return { kubeconfig: kubeconfigFor(url, pki), url, timings, stop, restartApiServer };
  } catch (error) {
    await stop();
    throw error;
  }
}
