#!/usr/bin/env node
// `pnpm fuzz [--runs N] [--seed S | --seeds A..B] [vitest filters…]`: the fuzz tier
// (integration/test/fuzz/) with N cases per property (default: each property's CI count) from
// seed S (default: the CI seed, 162026). FUZZ_RUNS and FUZZ_SEED in the environment work too;
// the flags win. `--seeds A..B` (or `seeds=A..B`, as `pnpm soak` takes it) runs the tier once
// per seed, A to B, each in its own vitest process, one line per seed (passed or failed, seconds)
// and a total; the exit code is 1 when any seed failed. A failing property prints the seed and
// the command that replays it. Issue 16.
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";

function usage(message) {
  console.error(
    `pnpm fuzz: ${message}\nusage: pnpm fuzz [--runs N] [--seed S | --seed random | --seeds A..B] [vitest filters…]`,
  );
  process.exit(2);
}

const args = process.argv.slice(2).filter((arg) => arg !== "--");
const env = { ...process.env };
const rest = [];
/** The seed range of `--seeds A..B`, if given. */
let range;
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  // `seeds=A..B` is `--seeds A..B` (the soak runner's spelling).
  const normalized = arg.startsWith("seeds=") ? `--${arg}` : arg;
  const [flag, inline] = normalized.split("=", 2);
  if (flag === "--runs" || flag === "--seed") {
    const value = inline ?? args[++i];
    const random = flag === "--seed" && value === "random";
    if (value === undefined || (!random && !/^-?[0-9]+$/.test(value))) {
      usage(`${flag} needs an integer, got ${JSON.stringify(value)}`);
    }
    env[flag === "--runs" ? "FUZZ_RUNS" : "FUZZ_SEED"] = value;
  } else if (flag === "--seeds") {
    const value = inline ?? args[++i];
    const match = /^(-?[0-9]+)\.\.(-?[0-9]+)$/.exec(value ?? "");
    if (!match) usage(`--seeds needs A..B, got ${JSON.stringify(value)}`);
    range = { from: Number(match[1]), to: Number(match[2]) };
    if (range.to < range.from) usage(`--seeds ${value}: B is below A`);
  } else {
    rest.push(arg);
  }
}
if (range !== undefined && args.some((a) => a === "--seed" || a.startsWith("--seed="))) {
  usage("--seed and --seeds exclude each other");
}
const filters = rest.length > 0 ? rest : ["test/fuzz/"];

/** Runs the tier once with `seedEnv`; returns its exit status. */
function tier(seedEnv) {
  const result = spawnSync("npx", ["vitest", "run", "--project", "integration", ...filters], {
    stdio: "inherit",
    env: seedEnv,
  });
  return result.status ?? 1;
}

if (range === undefined) {
  if (env.FUZZ_SEED === "random") env.FUZZ_SEED = String(Math.floor(Math.random() * 2 ** 31));
  console.log(
    `fuzz tier: runs per property ${env.FUZZ_RUNS ?? "(CI defaults)"}, seed ${env.FUZZ_SEED ?? "162026 (CI default)"}`,
  );
  process.exit(tier(env));
}

const runs = env.FUZZ_RUNS ?? "(CI defaults)";
console.log(`fuzz tier: seeds ${range.from}..${range.to}, runs per property ${runs}`);
const lines = [];
for (let seed = range.from; seed <= range.to; seed++) {
  const started = performance.now();
  const status = tier({ ...env, FUZZ_SEED: String(seed) });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const line = `fuzz seed ${seed}: ${status === 0 ? "PASS" : "FAIL"} in ${seconds} s`;
  lines.push({ line, passed: status === 0 });
  console.log(line);
}
const passed = lines.filter((l) => l.passed).length;
console.log(`fuzz tier: ${passed}/${lines.length} seeds passed`);
for (const { line, passed: ok } of lines) if (!ok) console.log(`  ${line}`);
process.exit(passed === lines.length ? 0 : 1);
