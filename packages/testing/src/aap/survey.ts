/**
 * Surveys as AWX applies them to a launch (github:ansible/awx e21dd0a0
 * `awx/main/models/mixins.py`, `SurveyJobTemplateMixin` and `SurveyJobMixin`): validating
 * the answers, splitting launch vars into accepted and rejected ones, merging the survey
 * defaults, and hiding password answers.
 *
 * @module
 */
import type { AapSurveyQuestion, AapSurveySpec } from "./types.js";

/** The placeholder AWX shows (and accepts back) for a password answer. */
export const ENCRYPTED = "$encrypted$";

/** What a template knows of its survey. */
export interface SurveySettings {
  /** `survey_enabled`. */
  readonly enabled: boolean;
  /** `survey_spec` (`{}` when none). */
  readonly spec: AapSurveySpec | Record<string, never>;
}

/** The questions of an enabled survey (none when disabled or without a `spec`). */
export function activeQuestions(survey: SurveySettings): readonly AapSurveyQuestion[] {
  return survey.enabled && "spec" in survey.spec ? survey.spec.spec : [];
}

/** Python's `str()` of a JSON value, as AWX's messages print it (close enough). */
function py(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === true) return "True";
  if (value === false) return "False";
  if (value === null || value === undefined) return "None";
  return JSON.stringify(value);
}

function choices(question: AapSurveyQuestion): string[] {
  const raw = question.choices ?? [];
  return typeof raw === "string" ? raw.split("\n").filter((c) => c.trim() !== "") : [...raw];
}

function hasBound(bound: number | string | null | undefined): bound is number | string {
  return bound !== undefined && bound !== null && bound !== "";
}

/**
 * The errors of one question against `data` (`_survey_element_validation`,
 * `mixins.py:205-296`): a missing required answer, a wrong type, a bound or a choice.
 */
export function questionErrors(
  question: AapSurveyQuestion,
  data: Record<string, unknown>,
): string[] {
  const name = question.variable;
  const value = data[name];
  const present = name in data;
  if (question.type === "password" && value === ENCRYPTED) {
    // The placeholder stands for the default (mixins.py:210-215).
    return question.default === undefined && question.required ? [`'${name}' value missing`] : [];
  }
  if (!present) return question.required ? [`'${name}' value missing`] : [];
  const { min, max } = question;
  switch (question.type) {
    case "text":
    case "textarea":
    case "password": {
      if (typeof value !== "string")
        return [`Value ${py(value)} for '${name}' expected to be a string.`];
      const errors: string[] = [];
      if (hasBound(min) && value.length < Number(min)) {
        errors.push(
          `'${name}' value ${value} is too small (length is ${value.length} must be at least ${min}).`,
        );
      }
      if (hasBound(max) && value.length > Number(max)) {
        errors.push(`'${name}' value ${value} is too large (must be no more than ${max}).`);
      }
      return errors;
    }
    case "integer":
    case "float": {
      const ok =
        typeof value === "number" && (question.type === "float" || Number.isInteger(value));
      if (!ok) {
        const wanted = question.type === "integer" ? "an integer" : "a numeric type";
        return [`Value ${py(value)} for '${name}' expected to be ${wanted}.`];
      }
      const errors: string[] = [];
      if (hasBound(min) && value < Number(min)) {
        errors.push(`'${name}' value ${value} is too small (must be at least ${min}).`);
      }
      if (hasBound(max) && value > Number(max)) {
        errors.push(`'${name}' value ${value} is too large (must be no more than ${max}).`);
      }
      return errors;
    }
    case "multiselect": {
      if (!Array.isArray(value)) return [`'${name}' value is expected to be a list.`];
      const allowed = choices(question);
      return value
        .filter((item) => !allowed.includes(item as string))
        .map(
          (item) =>
            `Value ${py(item)} for '${name}' expected to be one of ${JSON.stringify(allowed)}.`,
        );
    }
    case "multiplechoice": {
      const allowed = choices(question);
      return allowed.includes(value as string)
        ? []
        : [`Value ${py(value)} for '${name}' expected to be one of ${JSON.stringify(allowed)}.`];
    }
  }
}

/** Launch vars split by a template's survey and `ask_variables_on_launch`. */
export interface VariableSplit {
  /** Accepted vars: valid survey answers, and everything else when the template asks. */
  readonly accepted: Record<string, unknown>;
  /** Rejected vars (invalid survey answers, unprompted vars not equal to the template's). */
  readonly rejected: Record<string, unknown>;
  /** `variables_needed_to_start` errors of the survey (they block a launch). */
  readonly surveyErrors: string[];
  /** The keys of unprompted vars (a workflow launch refuses them). */
  readonly unprompted: string[];
}

/**
 * `_accept_or_ignore_variables` (`mixins.py:298-353`): survey answers are validated and
 * accepted even when the template does not ask for variables; the rest are accepted when it
 * asks, else dropped when equal to the template's own and rejected otherwise.
 */
export function splitVariables(
  survey: SurveySettings,
  askVariables: boolean,
  templateVars: Record<string, unknown>,
  data: Record<string, unknown>,
): VariableSplit {
  const rest = { ...data };
  const accepted: Record<string, unknown> = {};
  const rejected: Record<string, unknown> = {};
  const surveyErrors: string[] = [];
  // `survey_enabled and survey_spec`: an empty spec is no survey (mixins.py:299).
  const questions =
    survey.enabled && Object.keys(survey.spec).length > 0 ? activeQuestions(survey) : [];
  for (const question of questions) {
    const errors = questionErrors(question, data);
    const key = question.variable;
    if (errors.length > 0) {
      surveyErrors.push(...errors);
      if (key in rest) rejected[key] = rest[key];
    } else if (key in rest) {
      accepted[key] = rest[key];
    } else continue;
    delete rest[key];
  }
  if (askVariables)
    return { accepted: { ...accepted, ...rest }, rejected, surveyErrors, unprompted: [] };
  const same = (key: string) =>
    key in templateVars && JSON.stringify(templateVars[key]) === JSON.stringify(rest[key]);
  const unprompted = Object.keys(rest).filter((key) => !same(key));
  for (const key of unprompted) rejected[key] = rest[key];
  return { accepted, rejected, surveyErrors, unprompted };
}

/**
 * The job's extra vars (`_update_unified_job_kwargs`, `mixins.py:154-203`): the template's
 * vars, updated with the survey defaults that validate, updated with the accepted launch
 * vars, where a password answer of `$encrypted$` stands for its default.
 */
export function jobExtraVars(
  survey: SurveySettings,
  templateVars: Record<string, unknown>,
  accepted: Record<string, unknown>,
): Record<string, unknown> {
  const runtime = { ...accepted };
  const defaults: Record<string, unknown> = {};
  for (const question of activeQuestions(survey)) {
    const key = question.variable;
    if (question.type === "password" && runtime[key] === ENCRYPTED) delete runtime[key];
    if (question.default === undefined || question.default === null) continue;
    if (questionErrors(question, { [key]: question.default }).length === 0) {
      defaults[key] = question.default;
    }
  }
  return { ...templateVars, ...defaults, ...runtime };
}

/**
 * The job's `survey_passwords`: `$encrypted$` for every password question its extra vars
 * answer (`unified_jobs.py:367-370` `encrypt_dict` over `survey_password_variables`,
 * `mixins.py:136-143`).
 */
export function surveyPasswords(
  survey: SurveySettings,
  extraVars: Record<string, unknown>,
): Record<string, string> {
  const passwords: Record<string, string> = {};
  for (const question of activeQuestions(survey)) {
    if (question.type === "password" && question.variable in extraVars) {
      passwords[question.variable] = ENCRYPTED;
    }
  }
  return passwords;
}

/**
 * Extra vars as the API shows them (`display_extra_vars`, `mixins.py:402-413`): password
 * answers replaced by `$encrypted$`.
 */
export function displayExtraVars(
  extraVars: Record<string, unknown>,
  passwords: Record<string, string>,
): Record<string, unknown> {
  const shown = { ...extraVars };
  for (const [key, value] of Object.entries(passwords)) if (key in shown) shown[key] = value;
  return shown;
}
