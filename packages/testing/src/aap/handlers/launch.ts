/**
 * `GET` and `POST {base}job_templates/{id}/launch/` and the workflow equivalents
 * (research §4).
 *
 * @module
 */
import { createJob } from "../launch.js";
import { parseJsonBody } from "../launch-body.js";
import { acceptLaunch } from "../launch-prompts.js";
import { ok, type SimResponse } from "../response.js";
import { jobUrl, serializeJob } from "../serialize-job.js";
import { serializeLaunch } from "../serialize-launch.js";
import type { Handler } from "../state.js";
import { findTemplate } from "./templates.js";

/** `GET …/launch/`: what a launch needs. */
export const launchGet: Handler<"launch"> = (state, route) =>
  ok(serializeLaunch(findTemplate(state, route.templateKind, route.ref)));

/**
 * `POST …/launch/`: creates a job (201, `Location`, `{"job": id, "ignored_fields": …,
 * …job}`) or a workflow job (`{"workflow_job": id, …}`): github:ansible/awx e21dd0a0
 * `awx/api/views/__init__.py:2440-2465` (`JobTemplateLaunch.post`) and 3196-3215
 * (`WorkflowJobTemplateLaunch.post`). `Location` is `get_absolute_url(request)`, a path
 * relative to the host in the request's own prefix (`awx/api/versioning.py:26-45`: the
 * versioning scheme reverses without the request).
 */
export const launchPost: Handler<"launch"> = (state, route, request): SimResponse => {
  const template = findTemplate(state, route.templateKind, route.ref);
  const data = parseJsonBody(request.contentType, request.body);
  const accepted = acceptLaunch(template, data);
  const job = createJob(state, template, accepted, request.now);
  const body = {
    [job.kind]: job.id,
    ignored_fields: job.ignoredFields,
    ...serializeJob(job, state.jobs, route.base, request.now),
  };
  return { status: 201, body, headers: { Location: jobUrl(route.base, job) } };
};
