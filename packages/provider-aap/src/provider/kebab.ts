/**
 * The kind part of a conventional template name: core's `kebabCase`.
 *
 * @module
 */
export { kebabCase } from "@provisionkit/core";
