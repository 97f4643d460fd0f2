/** Provider test support: a webhook server, a clock and a provider pointed at them. */
import { afterEach } from "vitest";
import { EdaProvider, type EdaProviderOptions } from "../src/index.ts";
import { ScriptedServer, TOKEN, TestClock, captureLogger, type LogLine } from "./harness.ts";

/** A running provider fixture. */
export interface ProviderFixture {
  server: ScriptedServer;
  clock: TestClock;
  provider: EdaProvider;
  lines: LogLine[];
  dump: () => string;
  stop(): Promise<void>;
}

/** Starts a webhook server and an EdaProvider sending to it with a bearer token. */
export async function startProvider(
  options: Partial<EdaProviderOptions> = {},
): Promise<ProviderFixture> {
  const server = await ScriptedServer.start();
  const clock = new TestClock();
  const { logger, lines, dump } = captureLogger();
  const provider = new EdaProvider({
    target: { type: "webhook", url: server.url },
    auth: { type: "bearer", token: TOKEN },
    now: clock.now,
    logger,
    ...options,
  });
  return { server, clock, provider, lines, dump, stop: () => server.close() };
}

/**
 * {@link startProvider} for the tests of one file: registers an `afterEach` that stops every
 * fixture the test started.
 */
export function providerPerTest(): (
  options?: Partial<EdaProviderOptions>,
) => Promise<ProviderFixture> {
  const started: ProviderFixture[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((f) => f.stop()));
  });
  return async (options) => {
    const fixture = await startProvider(options);
    started.push(fixture);
    return fixture;
  };
}
