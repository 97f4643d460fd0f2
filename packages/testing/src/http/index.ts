/**
 * Helpers for testing a provider's HTTP client: a scripted HTTP(S) server on loopback with
 * recorded requests, canned replies (JSON, text, hang, reset), a throwaway CA for TLS
 * tests, a capturing logger and error checks.
 *
 * @module
 */
export { captureLogger, errorText, thrown, type LogLine } from "./checks.js";
export { createTestPki, type TestPki } from "./pki.js";
export type { RecordedRequest } from "./recorded-request.js";
export { empty, hang, json, reset, respond, text, type Reply } from "./replies.js";
export {
  ScriptedHttpServer,
  refusedUrl,
  type ScriptedHttpServerOptions,
  type TestHooks,
  type TlsKeyPair,
} from "./scripted-server.js";
