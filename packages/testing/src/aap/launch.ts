/**
 * Creating a job from an accepted launch: one-shot or template script, resolved against
 * the launch.
 *
 * @module
 */
import type { AcceptedLaunch } from "./launch-prompts.js";
import type { JobRecord, TemplateRecord } from "./model.js";
import { resolveScript } from "./script.js";
import type { SimState } from "./state.js";
import { surveyPasswords } from "./survey.js";
import type { AapLaunchContext } from "./types.js";

/**
 * Creates the job of a launch at instant `now`. A queued one-shot script for the template
 * replaces the template's own script for this launch; the default script lies under
 * either.
 */
export function createJob(
  state: SimState,
  template: TemplateRecord,
  launch: AcceptedLaunch,
  now: number,
): JobRecord {
  const context: AapLaunchContext = {
    templateId: template.id,
    templateName: template.name,
    kind: template.kind === "job_template" ? "job" : "workflow_job",
    jobId: state.jobs.peekId(),
    extraVars: structuredClone(launch.extraVars),
    launchIndex: template.launches,
  };
  const oneShot = state.scripts.peek(template);
  const script = resolveScript(state.defaultScript, oneShot ?? template.script, context);
  // Consumed only once resolved: a throwing script function leaves the queue as it was.
  if (oneShot) state.scripts.consume(template);
  template.launches += 1;
  return state.jobs.create({
    template,
    createdAt: now,
    extraVars: launch.extraVars,
    surveyPasswords: surveyPasswords(template.survey, launch.extraVars),
    ignoredFields: launch.ignoredFields,
    limit: launch.limit,
    inventory: launch.inventory,
    script,
  });
}
