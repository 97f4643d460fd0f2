import { describe, expect, it } from "vitest";
import { MAX_SERVER_TEXT, REDACTED, SecretRedactor } from "@provisionkit/core";

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
