// `pnpm soak [seeds=A..B | seed=S] [lifecycles=N] [faultRate=R] [provider=AapProvider|EdaProvider]`:
// the ComputeInstance operator's soak (soak.mjs) on the built packages, once per seed and
// provider, each run in a fresh process (so that its peak RSS is its own), with one line of
// figures per run and a total. Defaults: seeds 7..7, 200 lifecycles, faultRate 0.05, both
// providers. `seed=S` is `seeds=S..S`. Exits 1 when any run failed, printing its report.
// Issue 16.
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const SELF = fileURLToPath(import.meta.url);

/** Runs one soak in this process and prints its figures as one JSON line (the child side). */
async function child(provider, soak) {
  const { formatReport, formatScenarioFailure, runOperatorConformance } =
    await import("@provisionkit/testing");
  const { SOAK_BACKENDS, soakSubject } = await import("./soak.mjs");
  const report = await runOperatorConformance({ ...soakSubject(SOAK_BACKENDS[provider]), soak });
  const failures = report.scenarios
    .filter((s) => s.status === "failed")
    .map((s) => formatScenarioFailure(s))
    .join("\n");
  const rssBytes = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(
    `${JSON.stringify({
      provider,
      passed: report.passed,
      figures: report.soak,
      peakRssBytes: rssBytes,
      text: report.passed ? "" : `${formatReport(report)}\n${failures}`,
    })}\n`,
  );
}

function parse(argv) {
  const options = {
    from: 7,
    to: 7,
    lifecycles: 200,
    faultRate: 0.05,
    providers: ["AapProvider", "EdaProvider"],
  };
  for (const arg of argv.filter((a) => a !== "--")) {
    const [key, value = ""] = arg.split("=", 2);
    const int = (text) => {
      if (!/^-?[0-9]+$/.test(text)) usage(`${key} needs an integer, got ${JSON.stringify(text)}`);
      return Number(text);
    };
    if (key === "seeds") {
      const match = /^(-?[0-9]+)\.\.(-?[0-9]+)$/.exec(value);
      if (!match) usage(`seeds needs A..B, got ${JSON.stringify(value)}`);
      options.from = Number(match[1]);
      options.to = Number(match[2]);
      if (options.to < options.from) usage(`seeds ${value}: B is below A`);
    } else if (key === "seed") {
      options.from = options.to = int(value);
    } else if (key === "lifecycles") {
      options.lifecycles = int(value);
    } else if (key === "faultRate") {
      options.faultRate = Number(value);
      if (!(options.faultRate >= 0 && options.faultRate <= 1)) usage("faultRate must be in [0, 1]");
    } else if (key === "provider") {
      if (value !== "AapProvider" && value !== "EdaProvider") {
        usage(`provider must be AapProvider or EdaProvider, got ${JSON.stringify(value)}`);
      }
      options.providers = [value];
    } else {
      usage(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  return options;
}

function usage(message) {
  console.error(
    `pnpm soak: ${message}\nusage: pnpm soak [seeds=A..B | seed=S] [lifecycles=N] [faultRate=R] [provider=AapProvider|EdaProvider]`,
  );
  process.exit(2);
}

function line(result, seconds) {
  const f = result.figures;
  if (!f) return `${result.provider} seed ?: no figures (${result.error ?? "the run failed"})`;
  const faults = Object.entries(f.faults)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  return (
    `${result.provider.padEnd(11)} seed ${String(f.seed).padStart(4)}: ` +
    `${f.completed}/${f.lifecycles} done, faults ${f.faultsInjected} (${faults || "none"}), ` +
    `duplicates ${f.duplicates}, overlaps ${f.overlaps}, orphans ${f.orphans}, stuck ${f.stuck}, ` +
    `wrong versions ${f.wrongVersions}, late calls ${f.lateCalls}, violations ${f.violations}, ` +
    `untyped errors ${f.untypedErrors}, jobs ${f.jobs.provision}+${f.jobs.deprovision}, ` +
    `peak RSS ${Math.round(result.peakRssBytes / 2 ** 20)} MiB, ` +
    `loop p99/max ${f.eventLoopDelayMs.p99}/${f.eventLoopDelayMs.max} ms, ` +
    `${seconds.toFixed(1)} s ${result.passed ? "PASS" : "FAIL"}`
  );
}

async function main() {
  if (process.env.PROVISIONKIT_SOAK_CHILD) {
    const { provider, soak } = JSON.parse(process.env.PROVISIONKIT_SOAK_CHILD);
    await child(provider, soak);
    return;
  }
  const options = parse(process.argv.slice(2));
  console.log(
    `soak: seeds ${options.from}..${options.to}, ${options.lifecycles} lifecycles, ` +
      `faultRate ${options.faultRate}, ${options.providers.join(" and ")}`,
  );
  let failed = 0;
  let runs = 0;
  for (const provider of options.providers) {
    for (let seed = options.from; seed <= options.to; seed++) {
      runs++;
      const soak = { lifecycles: options.lifecycles, faultRate: options.faultRate, seed };
      const started = performance.now();
      const child = spawnSync(process.execPath, [SELF], {
        env: { ...process.env, PROVISIONKIT_SOAK_CHILD: JSON.stringify({ provider, soak }) },
        encoding: "utf8",
        maxBuffer: 256 * 2 ** 20,
      });
      const seconds = (performance.now() - started) / 1000;
      const last = child.stdout.trim().split("\n").at(-1) ?? "";
      let result;
      try {
        result = JSON.parse(last);
      } catch {
        result = {
          provider,
          passed: false,
          error: `exit ${child.status}: ${child.stderr.trim().split("\n").slice(-5).join(" | ")}`,
        };
      }
      if (!result.passed) failed++;
      console.log(line(result, seconds));
      if (!result.passed && result.text) console.log(result.text);
    }
  }
  console.log(`soak: ${runs - failed}/${runs} runs passed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
