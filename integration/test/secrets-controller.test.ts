import { CoreV1Api } from "@kubernetes/client-node";
import { AapProvider } from "@provisionkit/provider-aap";
import {
  ScriptedHttpServer,
  captureLogger,
  findSecretLeaks,
  respond,
  secretForms,
  text,
  type RecordedRequest,
} from "@provisionkit/testing";
import { afterEach, expect, it } from "vitest";
import { describeOnClusters } from "../support/cluster.ts";
import { World } from "../support/world.ts";

// Issue 16, item 5, through the Kubernetes runtime: an AAP that echoes every encoding of the
// token it received (as is, URL-encoded, JSON-escaped, base64 standard and URL-safe, padded
// or not, inside a longer base64 stream) gets none of them into the object's status and
// conditions, the Events (the simulator serves Events; the real tier does not) or the
// controller's and provider's logs.

const TOKEN = "tok-CANARY-0123456789abcdefXYZ";
const WAIT = { timeout: 15_000, interval: 20 };

const leaks = (text: string) => findSecretLeaks(text, [TOKEN]);

/** The token's forms, if the request carried it (a proxy echoing the request). */
const echoOf = (request: RecordedRequest) =>
  String(request.headers.authorization ?? "").includes(TOKEN) ? secretForms(TOKEN).join(" | ") : "";

describeOnClusters("secrets echoed by AAP never reach the cluster", (cluster) => {
  let world: World | undefined;
  let server: ScriptedHttpServer | undefined;
  let tests = 0;
  afterEach(async () => {
    await world?.stop();
    await server?.close();
  });

  it("status, conditions, Events and logs carry no form of the token", async () => {
    world = await World.start(cluster(), `secrets-${++tests}`);
    server = await ScriptedHttpServer.start({
      fallback: respond((r) => text(400, `{"detail": ${JSON.stringify(echoOf(r))}}`)),
    });
    const log = captureLogger();
    const provider = new AapProvider({
      logger: log.logger,
      client: {
        url: `${server.url}/api/v2/`,
        auth: { type: "bearer", token: TOKEN },
        retry: { retries: 0 },
        logger: log.logger,
      },
    });
    await world.controller({ provider, logger: log.logger });
    await world.users.create("vm-1", { cores: 2 });
    await expect
      .poll(async () => JSON.stringify((await world!.users.get("vm-1"))?.status ?? {}), WAIT)
      .toContain("[REDACTED]");
    // The token travelled and came back (so the checks below can fail).
    expect(JSON.stringify(server.requests.map((r) => r.headers))).toContain(TOKEN);

    const object = await world.users.get("vm-1");
    expect(leaks(JSON.stringify(object)), "object").toEqual([]);
    expect(leaks(log.dump()), "logs").toEqual([]);
    if (cluster().kind === "simulator") {
      const core = cluster().kubeConfig().makeApiClient(CoreV1Api);
      const events = await core.listNamespacedEvent({ namespace: world.namespace });
      expect(events.items.length).toBeGreaterThan(0);
      expect(JSON.stringify(events.items)).toContain("[REDACTED]");
      expect(leaks(JSON.stringify(events.items)), "events").toEqual([]);
    }
  }, 30_000);
});
