import { toErrorRecord, type ResourceObject } from "@provisionkit/core";
import { afterEach, describe, expect, it } from "vitest";
import { EdaProvider, FINALIZER_AAP } from "../src/index.ts";
import {
  FakeSecretSource,
  HMAC_SECRET,
  PASSWORD,
  ROTATED_TOKEN,
  ScriptedServer,
  TOKEN,
  TestClock,
  USERNAME,
  captureLogger,
  respond,
  empty,
  errorText,
  hang,
  leakedSecrets,
  reset,
  text,
  webhookOk,
  withMeta,
  computeInstance,
  call,
} from "./harness.ts";

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Echoes every request header and the body back, as a leaky proxy error page would. */
function echoAll(status: number) {
  return respond((request) =>
    text(status, `headers=${JSON.stringify(request.headers)} body=${request.body}`),
  );
}

describe("no secret appears in errors, details, logs or results", () => {
  it("across successes, every failure class, and a Secret rotation", async () => {
    server = await ScriptedServer.start();
    const clock = new TestClock();
    const log = captureLogger();
    const source = new FakeSecretSource()
      .set({ name: "eda", key: "token" }, TOKEN)
      .set({ name: "eda", key: "hmac" }, HMAC_SECRET);
    const bearerHmac = new EdaProvider({
      target: { type: "webhook", url: server.url },
      auth: [
        { type: "bearer", token: { secretRef: { name: "eda", key: "token" } } },
        { type: "hmac", secret: { secretRef: { name: "eda", key: "hmac" } }, prefix: "sha256=" },
      ],
      secrets: source,
      now: clock.now,
      logger: log.logger,
      minEventIntervalMs: 0,
      requestTimeoutMs: 100,
    });
    const basic = new EdaProvider({
      name: "eda-basic",
      target: {
        type: "event-stream",
        urls: { provision: `${server.url}/s/post/`, deprovision: `${server.url}/s/post/` },
      },
      auth: { type: "basic", username: USERNAME, password: PASSWORD },
      now: clock.now,
      logger: log.logger,
      minEventIntervalMs: 0,
      requestTimeoutMs: 100,
    });
    const outputs: unknown[] = [];
    const errors: unknown[] = [];
    const vm = computeInstance();
    const deleting: ResourceObject = withMeta(vm, {}, [FINALIZER_AAP]);
    let n = 0;
    const attempt = async (provider: EdaProvider): Promise<void> => {
      try {
        const result = await provider.triggerProvision(vm, {
          ...call(`c${++n}`),
          configVersion: "v1",
        });
        outputs.push(result, await provider.getProvisionStatus(vm, result.jobId, call()));
        const d = await provider.triggerDeprovision(deleting, [], call(`d${++n}`));
        outputs.push(d);
        if (d.action === "triggered") {
          outputs.push(await provider.getDeprovisionStatus(deleting, d.jobId, call()));
        }
      } catch (error) {
        errors.push(error);
      }
    };
    const replies = [
      webhookOk,
      echoAll(400),
      echoAll(401),
      echoAll(403),
      echoAll(404),
      echoAll(429),
      echoAll(500),
      echoAll(502),
      echoAll(200),
      respond((r) =>
        empty(302, { location: `${server!.url}/login?next=${String(r.headers.authorization)}` }),
      ),
      reset,
      hang,
    ];
    for (const reply of replies) {
      server.otherwise(reply);
      await attempt(bearerHmac);
      await attempt(basic);
    }
    // A rotated token: the 401 leads to a fresh read and a resend with the new token.
    source.set({ name: "eda", key: "token" }, ROTATED_TOKEN);
    server.otherwise(
      respond((r) =>
        r.headers.authorization === `Bearer ${ROTATED_TOKEN}` ? webhookOk : echoAll(401),
      ),
    );
    await attempt(bearerHmac);

    // The secrets did travel (so the check below can fail) …
    const sent = JSON.stringify(server.requests.map((r) => r.headers));
    expect(sent).toContain(TOKEN);
    expect(sent).toContain(ROTATED_TOKEN);
    expect(errors.length).toBeGreaterThanOrEqual(20);
    expect(outputs.length).toBeGreaterThan(4);
    // … and came back in server text, which was redacted.
    expect(errors.some((e) => errorText(e).includes("[REDACTED]"))).toBe(true);

    const everything = [
      JSON.stringify(outputs),
      ...errors.map((e) => errorText(e) + JSON.stringify(toErrorRecord(e))),
      log.dump(),
    ].join("\n");
    expect(leakedSecrets(everything)).toEqual([]);
  });
});
