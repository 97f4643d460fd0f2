/**
 * `GET` and `POST {base}jobs/{id}/cancel/` and `workflow_jobs/{id}/cancel/` (research §6).
 *
 * @module
 */
import { methodNotAllowed, ok } from "../response.js";
import type { Handler } from "../state.js";
import { findJob } from "./jobs.js";

/** `GET …/cancel/`: `{"can_cancel": bool}`, true while the job is active. */
export const cancelGet: Handler<"cancel"> = (state, route, request) => {
  const job = findJob(state, route.jobKind, route.id);
  return ok({ can_cancel: !state.jobs.view(job, request.now).terminal });
};

/**
 * `POST …/cancel/`: 202 with an empty body while the job is active (repeats too; the
 * first request's time counts), 405 once it is terminal.
 */
export const cancelPost: Handler<"cancel"> = (state, route, request) => {
  const job = findJob(state, route.jobKind, route.id);
  if (state.jobs.view(job, request.now).terminal) throw methodNotAllowed("POST");
  state.jobs.cancel(job, request.now);
  return { status: 202 };
};
