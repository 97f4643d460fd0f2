// The mutation score as StrykerJS computes it, shared by the CI check (mutation-check.mjs)
// and the survivors' triage (mutation-triage.mjs).

/**
 * The mutation score of a set of mutants as StrykerJS computes it: detected (killed or timed
 * out) over valid (detected, survived or without coverage); compile and runtime errors and
 * ignored mutants do not count.
 * @param {{ status: string }[]} mutants
 */
export function score(mutants) {
  let detected = 0;
  let valid = 0;
  for (const { status } of mutants) {
    const isDetected = status === "Killed" || status === "Timeout";
    if (isDetected) detected++;
    if (isDetected || status === "Survived" || status === "NoCoverage") valid++;
  }
  return { detected, valid, score: valid === 0 ? 100 : (100 * detected) / valid };
}
