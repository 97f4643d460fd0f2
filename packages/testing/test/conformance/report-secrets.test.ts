/**
 * Issue 16, item 5: a provider error quoting the backend's token in any encoding (as is,
 * URL-encoded, JSON-escaped, base64 standard or URL-safe, alone or inside a longer base64
 * stream) never reaches the conformance report: JSON, HTML, JUnit or the text table.
 */
import { ConfigurationError } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import {
  MemoryProvider,
  memoryBackend,
  runConformance,
  type MemoryBackend,
  type MemoryProviderOptions,
} from "../../src/index.js";
import { renderHtml, renderJunit, renderTable } from "../../src/report/index.js";

const TOKEN = "mem-CANARY-7f3a9c2e-token";

/** Every form of `value` a server may echo, by name. */
function formsOf(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const std = bytes.toString("base64");
  const forms = [
    value,
    encodeURIComponent(value),
    JSON.stringify(`"${value}"`),
    std,
    std.replace(/=+$/, ""),
    bytes.toString("base64url"),
    encodeURIComponent(std),
  ];
  for (const offset of [1, 2, 3]) {
    const stream = Buffer.concat([Buffer.from("x".repeat(offset)), bytes, Buffer.from("!?")]);
    forms.push(stream.toString("base64"), stream.toString("base64url"));
  }
  return forms;
}

/** The pieces of base64 that encode `value` alone, at each byte offset (both alphabets). */
function base64Cores(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  return [0, 1, 2].flatMap((offset) => {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    const core = encoded.slice(
      Math.ceil((8 * offset) / 6),
      Math.floor((8 * (offset + bytes.length)) / 6),
    );
    return [core, core.replace(/\+/g, "-").replace(/\//g, "_")];
  });
}

const needles = [TOKEN, encodeURIComponent(TOKEN), ...base64Cores(TOKEN)];
const leaked = (text: string) => needles.filter((needle) => text.includes(needle));

/** findJob and cancelJob fail quoting the token in every form (a careless provider). */
class EchoesToken extends MemoryProvider {
  constructor(backend: MemoryBackend, options: MemoryProviderOptions) {
    super(backend, options);
    const fail = () =>
      Promise.reject(new ConfigurationError(`HTTP 403 echo: ${formsOf(this.token).join(" | ")}`));
    (this as { findJob?: MemoryProvider["findJob"] }).findJob = fail;
  }
}

describe("conformance reports never repeat a secret, in any encoding", { timeout: 60_000 }, () => {
  it("JSON, HTML, JUnit and the table redact every form of the backend's token", async () => {
    const report = await runConformance({
      backend: () => memoryBackend({ token: TOKEN, provider: (b, o) => new EchoesToken(b, o) }),
      scenarios: ["crash-adopts-by-correlation-id"],
    });
    const errors = report.scenarios[0]?.providerErrors ?? [];
    // The error did reach the report (so the checks below can fail) …
    expect(errors.map((e) => e.method)).toContain("findJob");
    expect(errors.find((e) => e.method === "findJob")?.message).toContain("[redacted]");
    // … and no form of the token did.
    const outputs = {
      json: JSON.stringify(report),
      html: renderHtml(report),
      junit: renderJunit(report),
      table: renderTable(report),
    };
    for (const [format, text] of Object.entries(outputs)) {
      expect(leaked(text), format).toEqual([]);
    }
    expect(outputs.table).toContain("provider error: findJob");
  });
});
