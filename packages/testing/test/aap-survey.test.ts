/**
 * Surveys as AWX applies them to a launch (src/aap/survey.ts; github:ansible/awx e21dd0a0
 * awx/main/models/mixins.py `SurveyJobTemplateMixin`, `SurveyJobMixin`).
 */
import { describe, expect, it } from "vitest";
import type { AapSimulator, AapSurveySpec } from "@provisionkit/testing";
import { body, call, V2, withAap } from "./aap-support.js";

let aap: AapSimulator, url: string;
withAap((sim) => ({ aap, url } = sim));

const SURVEY: AapSurveySpec = {
  name: "order",
  description: "",
  spec: [
    { variable: "size", type: "integer", required: true, min: 1, max: 10 },
    {
      variable: "region",
      type: "multiplechoice",
      required: false,
      choices: "eu\nus",
      default: "eu",
    },
    { variable: "token", type: "password", required: true, default: "s3cret" },
  ],
};

function template(kind: "job" | "workflow", askVariablesOnLaunch = false) {
  const def = {
    name: `t-${kind}`,
    askVariablesOnLaunch,
    surveyEnabled: true,
    surveySpec: SURVEY,
    extraVars: { base: 1 },
  };
  const id = kind === "job" ? aap.addJobTemplate(def) : aap.addWorkflowTemplate(def);
  const list = kind === "job" ? "job_templates" : "workflow_job_templates";
  return { id, launchPath: `${V2}${list}/${id}/launch/` };
}

describe("AAP simulator: surveys", () => {
  it("shows survey_enabled and the required variables on the template and its launch view", async () => {
    const { id, launchPath } = template("job");
    expect(body(await call(url, `${V2}job_templates/${id}/`)).survey_enabled).toBe(true);
    expect(body(await call(url, launchPath))).toMatchObject({
      survey_enabled: true,
      variables_needed_to_start: ["size", "token"],
      can_start_without_user_input: false,
    });
    // Enabled without a spec: no survey (serializers.py:4627-4630).
    const bare = aap.addJobTemplate({
      name: "bare",
      surveyEnabled: true,
      askVariablesOnLaunch: false,
    });
    expect(body(await call(url, `${V2}job_templates/${bare}/launch/`))).toMatchObject({
      survey_enabled: false,
      variables_needed_to_start: [],
      can_start_without_user_input: true,
    });
  });

  it("accepts survey answers without ask_variables_on_launch; other vars are ignored_fields", async () => {
    const { launchPath } = template("job");
    const reply = await call(url, launchPath, {
      body: { extra_vars: { size: 3, token: "$encrypted$", stray: "x", base: 1 } },
    });
    expect(reply.status).toBe(201);
    // Survey defaults fill in (region), `$encrypted$` stands for the password default, a var
    // equal to the template's is dropped silently, the rest is ignored.
    expect(body(reply).ignored_fields).toEqual({ extra_vars: { stray: "x" } });
    const [job] = aap.ledger();
    expect(job?.extraVars).toEqual({ base: 1, region: "eu", token: "s3cret", size: 3 });
    // The API hides the password answer (display_extra_vars).
    const shown = JSON.parse(String(body(reply).extra_vars)) as Record<string, unknown>;
    expect(shown).toEqual({ base: 1, region: "eu", token: "$encrypted$", size: 3 });
    const listed = body(await call(url, `${V2}jobs/`)).results as Record<string, unknown>[];
    expect(listed[0]?.extra_vars).not.toContain("s3cret");
  });

  it("refuses a launch violating the survey with variables_needed_to_start, creating nothing", async () => {
    const { launchPath } = template("job", true);
    const missing = await call(url, launchPath, { body: { extra_vars: { token: "t" } } });
    expect(missing.status).toBe(400);
    expect(body(missing)).toEqual({ variables_needed_to_start: ["'size' value missing"] });
    const bad = await call(url, launchPath, {
      body: { extra_vars: { size: 11, region: "mars", token: 5 } },
    });
    expect(body(bad)).toEqual({
      variables_needed_to_start: [
        "'size' value 11 is too large (must be no more than 10).",
        `Value mars for 'region' expected to be one of ["eu","us"].`,
        "Value 5 for 'token' expected to be a string.",
      ],
    });
    expect(aap.ledger()).toEqual([]);
  });

  it("a workflow launch accepts survey answers and refuses other vars when it does not prompt", async () => {
    const { launchPath } = template("workflow");
    const refused = await call(url, launchPath, { body: { extra_vars: { size: 2, stray: 1 } } });
    expect(refused.status).toBe(400);
    // A required question needs an answer even when it has a default (mixins.py:217-219).
    expect(body(refused)).toEqual({
      variables_needed_to_start: ["'token' value missing"],
      extra_vars: [
        "Variables stray are not allowed on launch. Check the Prompt on Launch setting on the Workflow Job Template to include Extra Variables.",
      ],
    });
    const ok = await call(url, launchPath, {
      body: { extra_vars: { size: 2, token: "$encrypted$" } },
    });
    expect(ok.status).toBe(201);
    expect(aap.ledger()[0]?.extraVars).toEqual({ base: 1, region: "eu", token: "s3cret", size: 2 });
  });

  it("without a survey, vars are prompted only by ask_variables_on_launch", async () => {
    const id = aap.addJobTemplate({
      name: "plain",
      askVariablesOnLaunch: false,
      surveySpec: SURVEY,
    });
    const reply = await call(url, `${V2}job_templates/${id}/launch/`, {
      body: { extra_vars: { size: 3 } },
    });
    expect(body(reply).ignored_fields).toEqual({ extra_vars: { size: 3 } });
    expect(aap.ledger()[0]?.extraVars).toEqual({});
  });
});
