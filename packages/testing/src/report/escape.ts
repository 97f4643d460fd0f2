/**
 * Escaping for the HTML and XML reports.
 *
 * @module
 */

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** `text` safe inside HTML/XML element content and quoted attribute values. */
export function escapeXml(text: string): string {
  // Characters XML 1.0 forbids even escaped (control characters other than tab, LF, CR).
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "\ufffd");
  return clean.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}
