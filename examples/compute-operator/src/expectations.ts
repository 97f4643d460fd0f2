/**
 * Where a story must end, and the check that it did: for each resource, the jobs the
 * backend ran (from the AAP simulator's ledger), the events EDA received (EDA story), and
 * its final state as the Kubernetes API serves it.
 */

/** The expected end of one resource. */
export interface Expectation {
  final: "Ready" | "deleted";
  /** `<operation> <status>` of each job AAP ran for it, in creation order. */
  jobs: string[];
  /** `<operation> <fate>` of each event EDA received for it, in arrival order (EDA story). */
  events?: string[];
}

/** What one resource actually went through. */
export interface ActualEnd {
  /** As {@link Expectation.jobs}. */
  jobs: string[];
  /** As {@link Expectation.events}; only compared when expected. */
  events?: string[];
  /** Whether the API still serves it. */
  exists: boolean;
  /** Ready, with the config version of the last spec the story gave it. */
  readyAtLastSpec: boolean;
}

const list = (items: readonly string[]): string => `[${items.join(", ")}]`;

/** One sentence per difference between the expected ends and the actual ones; empty when none. */
export function expectationProblems(
  expected: Readonly<Record<string, Expectation>>,
  actual: (name: string) => ActualEnd,
): string[] {
  const problems: string[] = [];
  for (const [name, expectation] of Object.entries(expected)) {
    const end = actual(name);
    if (end.jobs.join(", ") !== expectation.jobs.join(", ")) {
      problems.push(`${name}: AAP ran ${list(end.jobs)}, expected ${list(expectation.jobs)}`);
    }
    if (expectation.events) {
      const events = end.events ?? [];
      if (events.join(", ") !== expectation.events.join(", ")) {
        problems.push(
          `${name}: EDA received ${list(events)}, expected ${list(expectation.events)}`,
        );
      }
    }
    if (expectation.final === "deleted" && end.exists) problems.push(`${name} was not deleted`);
    if (expectation.final === "Ready" && !end.readyAtLastSpec) {
      problems.push(`${name} is not Ready with the config version of its last spec`);
    }
  }
  return problems;
}
