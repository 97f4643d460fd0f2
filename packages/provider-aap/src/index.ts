/**
 * provisionkit provider for Ansible Automation Platform: {@link AapClient}, a typed
 * client of the Controller REST API (both `/api/v2/` and the AAP 2.5+ gateway's
 * `/api/controller/v2/`), and {@link AapProvider}, which launches job and workflow job
 * templates, polls, cancels and adopts their jobs under the provisionkit contract.
 *
 * @packageDocumentation
 */
export * from "./client/index.js";
export * from "./provider/index.js";
export * from "./notifications/index.js";
