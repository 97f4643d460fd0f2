/**
 * Bounds on the text the engine copies from provider answers and errors into a resource's
 * status, events and conditions. A backend may explain a failure at any length (AAP's
 * `job_explanation` and tracebacks have no limit); the Kubernetes API server refuses an
 * object over its size limit (about 1.5 MiB in etcd), and a status write that is refused
 * leaves every later reconcile failing. So the engine clips at the one place it takes
 * provider text in: the validation of every answer, and the records of thrown errors.
 *
 * @module
 */

/** Longest `message` (or skip `reason`) kept from a provider answer or error, in characters. */
export const MAX_STATUS_MESSAGE_CHARS = 2000;

/** Longest `errorDetails` kept from a provider answer, in characters. */
export const MAX_ERROR_DETAILS_CHARS = 8000;

/**
 * `text` when it fits in `max` characters; otherwise its start and its end (where a
 * traceback's error is) around a marker saying how much was cut, `max` characters in all.
 *
 * @param text - the text.
 * @param max - the most characters to keep (at least 64).
 */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = Math.max(64, max);
  // The marker's length depends on the count it shows; compute with the widest count.
  const marker = (cut: number) => ` … [${cut} characters cut] … `;
  const keep = room - marker(text.length).length;
  const head = Math.ceil(keep / 4);
  const tail = keep - head;
  const cut = text.length - head - tail;
  return `${text.slice(0, head)}${marker(cut)}${text.slice(text.length - tail)}`;
}
