/**
 * etcd: started on free loopback ports with a temporary data directory and no fsync.
 * @module
 */
import { join } from "node:path";
import { plainGet } from "./http.ts";
import { freePort, startChild, stopChild, waitFor, type Child } from "./processes.ts";

/** How etcd and the API server report a port that was taken after {@link freePort} found it free. */
export const ADDRESS_IN_USE = /address already in use/i;

/** Starts etcd on free loopback ports; retries when a port was taken in between. */
export async function startEtcd(
  binary: string,
  dir: string,
  timeoutMs: number,
): Promise<{ child: Child; url: string }> {
  for (let attempt = 1; ; attempt++) {
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const url = `http://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    const dataDir = join(dir, `etcd-data-${attempt}`);
    const child = startChild(
      "etcd",
      binary,
      [
        "--name=default",
        `--data-dir=${dataDir}`,
        `--listen-client-urls=${url}`,
        `--advertise-client-urls=${url}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=default=${peer}`,
        "--unsafe-no-fsync",
        "--log-level=warn",
      ],
      dir,
    );
    try {
      await waitFor("etcd /health", child, timeoutMs, async () => {
        const reply = await plainGet(`${url}/health`);
        return reply.status === 200 && reply.text.includes("true");
      });
      return { child, url };
    } catch (error) {
      await stopChild(child);
      if (attempt < 3 && ADDRESS_IN_USE.test(child.output.last(30))) continue;
      throw error;
    }
  }
}
