/**
 * docs/conformance.md states how many scenarios the provider suite runs and names each one
 * in its tables of what the suite catches: both follow the scenario list, so a scenario added
 * without its documentation fails here, not in a reader's hands.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PROVIDER_SCENARIOS } from "../../src/conformance/scenarios/index.js";

const DOC = readFileSync(new URL("../../../../docs/conformance.md", import.meta.url), "utf8");

describe("docs/conformance.md and the provider scenarios", () => {
  it("states the number of scenarios the suite runs", () => {
    const stated = /\((\d+) in this release\)/.exec(DOC);
    expect(stated, "docs/conformance.md: '(N in this release)'").not.toBeNull();
    expect(Number(stated![1])).toBe(PROVIDER_SCENARIOS.length);
  });

  it("lists every scenario, in report order, with its title, rules and needs", () => {
    const section = DOC.split("\n## The scenarios\n")[1]?.split("\n## ")[0] ?? "";
    const rows = section
      .split("\n")
      .filter((line) => line.startsWith("| `"))
      .map((line) => line.split("|").map((cell) => cell.trim()));
    const listed = rows.map(([, id, title, rules, needs]) => ({ id, title, rules, needs }));
    const expected = PROVIDER_SCENARIOS.map((s) => {
      const needs = [...(s.needs?.capabilities ?? []), ...(s.needs?.controls ?? [])];
      return {
        id: `\`${s.id}\``,
        title: s.title,
        rules: s.rules.join(", "),
        needs: needs.length === 0 ? "—" : needs.map((n) => `\`${n}\``).join(", "),
      };
    });
    expect(listed).toEqual(expected);
  });
});
