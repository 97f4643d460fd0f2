/**
 * The `provisionkit` command line (see docs/tracing.md).
 *
 * @module
 */
export { main } from "./main.js";
