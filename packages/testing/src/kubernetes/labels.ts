/**
 * Label selectors (`labelSelector` query parameter), as k8s.io/apimachinery/pkg/labels
 * parses them: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x,y)`, `a>1`, `a<1`.
 *
 * @module
 */

type Requirement =
  | { readonly op: "exists" | "!exists"; readonly key: string }
  | { readonly op: "in" | "notin"; readonly key: string; readonly values: readonly string[] }
  | { readonly op: "gt" | "lt"; readonly key: string; readonly bound: number };

/** A parsed label selector. */
export interface LabelSelector {
  /** Whether an object with these labels is selected. */
  matches(labels: Readonly<Record<string, string>>): boolean;
}

/** The selector is malformed; the message is what the 400 says. */
export class SelectorParseError extends Error {
  /** @param message - What is wrong. */
  constructor(message: string) {
    super(message);
    this.name = "SelectorParseError";
  }
}

const KEY = String.raw`[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?`;
const VALUE = String.raw`(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?`;
const EXISTS = new RegExp(`^(${KEY})$`);
const NOT_EXISTS = new RegExp(String.raw`^!\s*(${KEY})$`);
const EQUALITY = new RegExp(String.raw`^(${KEY})\s*(==|=|!=)\s*(${VALUE})$`);
const SET = new RegExp(String.raw`^(${KEY})\s+(in|notin)\s*\(([^()]*)\)$`);
const COMPARE = new RegExp(String.raw`^(${KEY})\s*([<>])\s*(-?[0-9]+)$`);
const VALUE_ONLY = new RegExp(`^${VALUE}$`);

/** Splits on commas outside parentheses. */
function splitRequirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of selector) {
    if (char === "(") depth += 1;
    if (char === ")") depth -= 1;
    if (char === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += char;
  }
  parts.push(current);
  return parts.map((part) => part.trim());
}

function parseRequirement(text: string): Requirement {
  const fail = (): never => {
    throw new SelectorParseError(`unable to parse requirement: ${JSON.stringify(text)}`);
  };
  let m = NOT_EXISTS.exec(text);
  if (m?.[1] !== undefined) return { op: "!exists", key: m[1] };
  m = EXISTS.exec(text);
  if (m?.[1] !== undefined) return { op: "exists", key: m[1] };
  m = EQUALITY.exec(text);
  if (m?.[1] !== undefined) {
    return { op: m[3] === "!=" ? "notin" : "in", key: m[1], values: [m[4] ?? ""] };
  }
  m = SET.exec(text);
  if (m?.[1] !== undefined) {
    const values = (m[4] ?? "").split(",").map((v) => v.trim());
    if (!values.every((v) => VALUE_ONLY.test(v))) fail();
    return { op: m[3] === "in" ? "in" : "notin", key: m[1], values };
  }
  m = COMPARE.exec(text);
  if (m?.[1] !== undefined) {
    return { op: m[3] === ">" ? "gt" : "lt", key: m[1], bound: Number(m[4]) };
  }
  return fail();
}

function matchesRequirement(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.op) {
    case "exists":
      return has;
    case "!exists":
      return !has;
    case "in":
      return has && r.values.includes(value ?? "");
    case "notin":
      return !has || !r.values.includes(value ?? "");
    case "gt":
    case "lt": {
      if (!has || !/^-?[0-9]+$/.test(value ?? "")) return false;
      const n = Number(value);
      return r.op === "gt" ? n > r.bound : n < r.bound;
    }
  }
}

/**
 * Parses a label selector; empty or absent selects everything.
 *
 * @throws SelectorParseError when malformed.
 */
export function parseLabelSelector(selector: string | undefined): LabelSelector {
  const text = selector?.trim() ?? "";
  const requirements = text === "" ? [] : splitRequirements(text).map(parseRequirement);
  return { matches: (labels) => requirements.every((r) => matchesRequirement(r, labels)) };
}
