/**
 * Runs the `provisionkit` command with `argv` (without the node and script paths); resolves
 * to the exit code.
 */
export async function main(argv: readonly string[]): Promise<number> {
  await Promise.resolve();
  process.stderr.write(`provisionkit: not implemented yet (${argv.join(" ")})\n`);
  return 2;
}
