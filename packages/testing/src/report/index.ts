/**
 * Renderers of conformance reports: a text table, JUnit XML, and a standalone HTML page
 * with per-resource job timelines.
 *
 * @module
 */
export { renderHtml } from "./html.js";
export { renderJunit } from "./junit.js";
export { renderTable } from "./table.js";
export { renderTimelineSvg } from "./timeline-svg.js";
