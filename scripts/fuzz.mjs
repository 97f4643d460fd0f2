#!/usr/bin/env node
// `pnpm fuzz [--runs N] [--seed S] [vitest filters…]`: the fuzz tier (integration/test/fuzz/)
// with N cases per property (default: each property's CI count) from seed S (default: the CI
// seed, 162026). FUZZ_RUNS and FUZZ_SEED in the environment work too; the flags win. A failing
// property prints the seed and the command that replays it. Issue 16.
import { spawnSync } from "node:child_process";

const args = process.argv.slice(2).filter((arg) => arg !== "--");
const env = { ...process.env };
const rest = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  const [flag, inline] = arg.split("=", 2);
  if (flag === "--runs" || flag === "--seed") {
    const value = inline ?? args[++i];
    const random = flag === "--seed" && value === "random";
    if (value === undefined || (!random && !/^-?[0-9]+$/.test(value))) {
      console.error(`pnpm fuzz: ${flag} needs an integer, got ${JSON.stringify(value)}`);
      process.exit(2);
    }
    env[flag === "--runs" ? "FUZZ_RUNS" : "FUZZ_SEED"] = value;
  } else {
    rest.push(arg);
  }
}
if (env.FUZZ_SEED === "random") env.FUZZ_SEED = String(Math.floor(Math.random() * 2 ** 31));
console.log(
  `fuzz tier: runs per property ${env.FUZZ_RUNS ?? "(CI defaults)"}, seed ${env.FUZZ_SEED ?? "162026 (CI default)"}`,
);
const filters = rest.length > 0 ? rest : ["test/fuzz/"];
const result = spawnSync("npx", ["vitest", "run", "--project", "integration", ...filters], {
  stdio: "inherit",
  env,
});
process.exit(result.status ?? 1);
