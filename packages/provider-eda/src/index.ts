/**
 * provisionkit provider for Event-Driven Ansible: {@link EdaClient}, which posts events to
 * an `ansible.eda.webhook` source or AAP event streams (bearer, basic or HMAC auth;
 * secrets from options or Kubernetes Secrets), and {@link EdaProvider}, which reads each
 * event's outcome back from the annotations and finalizer the playbooks write on the
 * resource (or, in AAP mode, from the AAP job EDA launched). The wire protocol shared with
 * the playbooks is in docs/eda-protocol.md.
 *
 * @packageDocumentation
 */
export * from "./constants.js";
export * from "./client/index.js";
export * from "./provider/index.js";
