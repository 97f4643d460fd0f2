/**
 * Runs one scenario of the provider suite on the EDA simulator backend: the helper of the
 * integration tests that prove a scenario sharp on EdaProvider and on a broken variant of it.
 */
import {
  edaSimulatorBackend,
  runConformance,
  type EdaBackendEndpoint,
  type ScenarioResult,
} from "@provisionkit/testing";
import type { Provider } from "@provisionkit/core";

/**
 * The result of scenario `id` run once, with `provider` built for each simulated process.
 *
 * @throws Error when the report has no such scenario.
 */
export async function runEdaScenario(
  id: string,
  provider: (endpoint: EdaBackendEndpoint) => Provider,
): Promise<ScenarioResult> {
  const report = await runConformance({
    backend: () => edaSimulatorBackend({ provider }),
    scenarios: [id],
  });
  const scenario = report.scenarios[0];
  if (!scenario) throw new Error(`${id} did not run`);
  return scenario;
}
