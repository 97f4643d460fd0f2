import { describe, expect, it } from "vitest";
import { MAX_SERVER_TEXT, MIN_BASE64_FRAGMENT, REDACTED, SecretRedactor } from "@provisionkit/core";

const SECRET = "s3cr3t/+token value";

describe("SecretRedactor", () => {
  it("removes a secret as is, trimmed, URL-encoded and JSON-escaped", () => {
    const redactor = new SecretRedactor();
    redactor.add(` ${SECRET} `);
    const text = [SECRET, encodeURIComponent(SECRET), JSON.stringify(`a"${SECRET}`)].join(" | ");
    const scrubbed = redactor.scrub(text);
    expect(scrubbed).not.toContain("s3cr3t");
    expect(scrubbed).not.toContain(encodeURIComponent("s3cr3t/"));
    expect(scrubbed.split(REDACTED)).toHaveLength(4);
  });

  it("removes a secret containing another whole, and ignores empty ones", () => {
    const redactor = new SecretRedactor();
    redactor.add("abc");
    redactor.add("abcdef");
    redactor.add("");
    expect(redactor.scrub("x abcdef y abc z")).toBe(`x ${REDACTED} y ${REDACTED} z`);
    expect(redactor.scrub("nothing to hide")).toBe("nothing to hide");
  });

  it("with a basic user name, removes the user:secret pair and its base64 form", () => {
    const redactor = new SecretRedactor({ basicUsername: "admin" });
    redactor.add("pw");
    const base64 = Buffer.from("admin:pw", "utf8").toString("base64");
    expect(redactor.scrub(`echo ${base64} and admin:pw`)).toBe(`echo ${REDACTED} and ${REDACTED}`);
  });

  it("removes Authorization values it was never told about", () => {
    const redactor = new SecretRedactor();
    expect(redactor.scrub('{"Authorization": "Bearer abc"}')).toBe(
      `{"Authorization": "${REDACTED}"}`,
    );
    expect(redactor.scrub("used Token abcdefghijklmnopqrstuvwxyz here")).toBe(
      `used Token ${REDACTED} here`,
    );
  });

  it("flattens and shortens server text after scrubbing, and scrubs string fields", () => {
    const redactor = new SecretRedactor();
    redactor.add("key");
    expect(redactor.serverText("a\n\n  key\tb")).toBe(`a ${REDACTED} b`);
    const long = redactor.serverText("x".repeat(MAX_SERVER_TEXT + 10));
    expect(long).toBe(`${"x".repeat(MAX_SERVER_TEXT)}…`);
    expect(redactor.scrubFields({ path: "/key", status: 401 })).toEqual({
      path: `/${REDACTED}`,
      status: 401,
    });
  });
});

/** Every form of `value` a server may echo, by name (issue 16, item 5). */
function formsOf(value: string): [string, string][] {
  const bytes = Buffer.from(value, "utf8");
  const std = bytes.toString("base64");
  const url = bytes.toString("base64url");
  const forms: [string, string][] = [
    ["raw", value],
    ["URL-encoded", encodeURIComponent(value)],
    ["JSON-escaped", JSON.stringify(value)],
    ["base64", std],
    ["base64 without padding", std.replace(/=+$/, "")],
    ["base64url", url],
    ["base64url with padding", url + "=".repeat((4 - (url.length % 4)) % 4)],
    ["base64, URL-encoded", encodeURIComponent(std)],
  ];
  // Inside a longer base64 stream, at each of the three byte offsets, with bytes after it.
  for (const offset of [1, 2, 3, 4, 5]) {
    const stream = Buffer.concat([Buffer.from("P".repeat(offset)), bytes, Buffer.from("!?~")]);
    forms.push([`inside base64 at byte ${offset}`, stream.toString("base64")]);
    forms.push([`inside base64url at byte ${offset}`, stream.toString("base64url")]);
  }
  return forms;
}

/** Text `needle` must not be found in (nor its long base64 core pieces). */
function leaks(text: string, value: string): boolean {
  const bytes = Buffer.from(value, "utf8");
  const cores = [0, 1, 2].map((offset) => {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    return encoded.slice(
      Math.ceil((8 * offset) / 6),
      Math.floor((8 * (offset + bytes.length)) / 6),
    );
  });
  const needles = [value, encodeURIComponent(value), ...cores, ...cores.map(toUrlSafe)];
  return needles.some((needle) => text.includes(needle));
}
const toUrlSafe = (b64: string) => b64.replace(/\+/g, "-").replace(/\//g, "_");

describe("SecretRedactor: every form of every registered secret (issue 16, item 5)", () => {
  // Lengths 0, 1 and 2 mod 3, a '+' and '/' producing base64 content, non-ASCII, and < & >.
  const canaries = ["tok-CANARY-0a1b2c3d4e5f", "hmac~CANARY~secret/+?", "pw-CANARY-é<&>x"];

  it.each(canaries)("removes %s in every form, alone and in text", (canary) => {
    const redactor = new SecretRedactor();
    redactor.add(canary);
    for (const [label, form] of formsOf(canary)) {
      const scrubbed = redactor.scrub(`server said: ${form} (echo)`);
      expect(leaks(scrubbed, canary), `${label}: ${scrubbed}`).toBe(false);
      expect(scrubbed, label).toContain(REDACTED);
      expect(scrubbed, label).toMatch(/^server said: /);
    }
  });

  it("removes a lone basic password and the user:password pair in every form", () => {
    const password = "pw-CANARY-basic-42";
    const redactor = new SecretRedactor({ basicUsername: "admin" });
    redactor.add(password);
    for (const value of [password, `admin:${password}`]) {
      for (const [label, form] of formsOf(value)) {
        const scrubbed = redactor.scrub(`echo ${form}.`);
        expect(leaks(scrubbed, password), `${value} ${label}: ${scrubbed}`).toBe(false);
      }
    }
    // The header itself, as a proxy echoes it.
    const header = `Basic ${Buffer.from(`admin:${password}`).toString("base64")}`;
    expect(redactor.scrub(`got ${header}`)).toBe(`got Basic ${REDACTED}`);
  });

  it("removes Python- and Go-style JSON escapes of a secret", () => {
    const canary = "pw-CANARY-é<&>x";
    const redactor = new SecretRedactor();
    redactor.add(canary);
    const python = "pw-CANARY-\\u00e9<&>x";
    const go = "pw-CANARY-é\\u003c\\u0026\\u003ex";
    expect(redactor.scrub(`{"detail": "${python}"}`)).toBe(`{"detail": "${REDACTED}"}`);
    expect(redactor.scrub(`{"message": "${go}"}`)).toBe(`{"message": "${REDACTED}"}`);
  });

  it("leaves ordinary text alone: fragments shorter than MIN_BASE64_FRAGMENT are not removed", () => {
    expect(MIN_BASE64_FRAGMENT).toBe(8);
    const redactor = new SecretRedactor();
    redactor.add("abcd");
    // "abcd" is YWJjZA== in base64; at offsets 1 and 2 its pieces are under 8 characters.
    const offsetPiece = Buffer.from("\0abcd").toString("base64").slice(2, 6);
    expect(offsetPiece).toBe("FiY2");
    expect(redactor.scrub(`code ${offsetPiece} ok`)).toBe(`code ${offsetPiece} ok`);
    expect(redactor.scrub("YWJjZA and YWJjZA==")).toBe(`${REDACTED} and ${REDACTED}`);
  });

  it("registering a secret twice changes nothing", () => {
    const once = new SecretRedactor();
    once.add("tok-CANARY-0a1b2c3d4e5f");
    const twice = new SecretRedactor();
    twice.add("tok-CANARY-0a1b2c3d4e5f");
    twice.add("tok-CANARY-0a1b2c3d4e5f");
    const text = formsOf("tok-CANARY-0a1b2c3d4e5f")
      .map(([, form]) => form)
      .join(" ");
    expect(twice.scrub(text)).toBe(once.scrub(text));
  });
});

describe("SecretRedactor: replacement", () => {
  it("replaces secrets and Authorization values with the chosen text", () => {
    const redactor = new SecretRedactor({ replacement: "[redacted]" });
    redactor.add("tok-CANARY-0a1b2c3d4e5f");
    const b64 = Buffer.from("tok-CANARY-0a1b2c3d4e5f").toString("base64");
    expect(redactor.scrub(`a tok-CANARY-0a1b2c3d4e5f b ${b64} c`)).toBe(
      "a [redacted] b [redacted] c",
    );
    expect(redactor.scrub("Authorization: Bearer $& $1")).toBe("Authorization: [redacted]");
  });
});
