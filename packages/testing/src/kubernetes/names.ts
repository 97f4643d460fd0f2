/**
 * Object names: validation and `generateName`.
 *
 * @module
 */
import { randomInt } from "node:crypto";
import { fieldInvalid, goQuote, type FieldError } from "./errors.js";

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or " +
  "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used " +
  String.raw`for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`;

/** Validates a name as a DNS-1123 subdomain, as custom resource and Event names must be. */
export function validateName(name: string): FieldError[] {
  if (name.length > 253) {
    return [fieldInvalid("metadata.name", goQuote(name), "must be no more than 253 characters")];
  }
  return DNS_SUBDOMAIN.test(name)
    ? []
    : [fieldInvalid("metadata.name", goQuote(name), SUBDOMAIN_MESSAGE)];
}

const ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** A name from a `generateName` prefix, as the real server makes it: prefix + 5 random characters. */
export function generateName(prefix: string): string {
  let suffix = "";
  for (let i = 0; i < 5; i += 1) suffix += ALPHABET[randomInt(ALPHABET.length)];
  return `${prefix.slice(0, 58)}${suffix}`;
}
