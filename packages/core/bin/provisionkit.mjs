#!/usr/bin/env node
// The `provisionkit` command (see docs/tracing.md): runs the built CLI.
import { main } from "../dist/cli/index.js";

process.exitCode = await main(process.argv.slice(2));
