/** Provider test support: a webhook server, a clock and a provider pointed at them. */
import { onTestFinished } from "vitest";
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

/**
 * Starts a webhook server and an EdaProvider sending to it with a bearer token, within a
 * test: the server closes when the test finishes.
 */
export async function startProvider(
  options: Partial<EdaProviderOptions> = {},
): Promise<ProviderFixture> {
  const server = await ScriptedServer.start();
  onTestFinished(() => server.close());
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
