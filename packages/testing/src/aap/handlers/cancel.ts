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
 * first request's time counts), 405 `{"detail": "Method \"POST\" not allowed."}` once it
 * is terminal: AWX's `GenericCancelView.post` (`awx/api/generics.py:1029-1043`) answers
 * `HTTP_202_ACCEPTED` when `can_cancel` (status in `new`, `pending`, `waiting`, `running`,
 * `awx/main/constants.py:42`, `unified_jobs.py:1450-1451`), else `http_method_not_allowed`.
 */
export const cancelPost: Handler<"cancel"> = (state, route, request) => {
  const job = findJob(state, route.jobKind, route.id);
  if (state.jobs.view(job, request.now).terminal) throw methodNotAllowed("POST");
  state.jobs.cancel(job, request.now, state.pendingCancel);
  return { status: 202 };
};
