import { describe, expect, it } from "vitest";
import { MAX_SERVER_TEXT, REDACTED, Redactor } from "../src/client/secrets.js";
import { PASSWORD, TOKEN, USERNAME, secretFree } from "./client-harness.js";

describe("Redactor", () => {
  const bearer = new Redactor({ type: "bearer", token: TOKEN });
  const basic = new Redactor({ type: "basic", username: USERNAME, password: PASSWORD });
  const encoded = Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64");

  it("removes the token, raw, URL-encoded and JSON-escaped", () => {
    const text = `a ${TOKEN} b ${encodeURIComponent(TOKEN)} c ${JSON.stringify(TOKEN)}`;
    const out = bearer.scrub(text);
    expect(secretFree(out)).toBe(true);
    expect(out).toBe(`a ${REDACTED} b ${REDACTED} c "${REDACTED}"`);
  });

  it("removes the password, user:password and its Basic encoding", () => {
    const out = basic.scrub(
      `pw=${PASSWORD} pair=${USERNAME}:${PASSWORD} header=${encoded} q=${encodeURIComponent(PASSWORD)}`,
    );
    expect(secretFree(out)).toBe(true);
    expect(out).not.toContain(encodeURIComponent(PASSWORD));
  });

  it("removes Authorization header values and long scheme tokens it does not know", () => {
    expect(bearer.scrub('{"Authorization": "Bearer other-token-value-1234567890"}')).toBe(
      `{"Authorization": "${REDACTED}"}`,
    );
    expect(bearer.scrub("sent Bearer abcdefghijklmnopqrstuvwxyz0123")).toBe(
      `sent Bearer ${REDACTED}`,
    );
    expect(bearer.scrub("Basic authentication is disabled")).toBe(
      "Basic authentication is disabled",
    );
  });

  it("scrubs before shortening server text, so no secret is cut in half", () => {
    const text = `${"x".repeat(MAX_SERVER_TEXT - 5)}${TOKEN}${"y".repeat(50)}`;
    const out = bearer.serverText(text);
    expect(out.endsWith("…")).toBe(true);
    expect(out.length).toBeLessThanOrEqual(MAX_SERVER_TEXT + 1);
    expect(out).not.toContain(TOKEN.slice(0, 5));
  });

  it("scrubs the string values of log fields", () => {
    expect(bearer.scrubFields({ path: `/x/${TOKEN}/`, n: 1 })).toEqual({
      path: `/x/${REDACTED}/`,
      n: 1,
    });
  });

  it("add() registers a secret read later in every form, longest first", () => {
    const redactor = new Redactor({
      type: "basic",
      username: USERNAME,
      password: { secretRef: { name: "aap", key: "password" } },
    });
    const text = `pw=${PASSWORD} pair=${USERNAME}:${PASSWORD} header=${encoded} q=${encodeURIComponent(PASSWORD)}`;
    expect(redactor.scrub(text)).toBe(text);
    redactor.add(PASSWORD);
    redactor.add(PASSWORD.slice(0, 6));
    const out = redactor.scrub(text);
    expect(secretFree(out)).toBe(true);
    expect(out).toBe(`pw=${REDACTED} pair=${REDACTED} header=${REDACTED} q=${REDACTED}`);
  });
});
