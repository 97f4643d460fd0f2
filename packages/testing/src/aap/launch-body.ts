/**
 * Parsing of a launch request body the way DRF's JSON parser and AWX's launch serializers
 * do it (research §2, §4).
 *
 * @module
 */
import { PYTHON_JSON_MAX_DEPTH, tooDeepForPython } from "../json-depth.js";
import { ApiError } from "./response.js";

const MEDIA_TYPE_ERROR =
  "You did not use correct Content-Type in your HTTP request. If you are using our REST API, the Content-Type must be application/json";

/** Python's name of a JSON value's type, as AWX and DRF messages print it. */
function pythonType(value: unknown): string {
  if (value === null) return "NoneType";
  if (Array.isArray(value)) return "list";
  if (typeof value === "string") return "str";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  return "dict";
}

/**
 * The nesting at which AWX can no longer parse a JSON body: Python's (see
 * {@link PYTHON_JSON_MAX_DEPTH}). AWX's `JSONParser.parse` (ansible/awx awx/api/parsers.py,
 * commit 200d85d4, the `try` around `json.loads`) catches `ValueError` only, and
 * `RecursionError` is not one, so the request ends in AWX's `handle_500`.
 */
export const AWX_MAX_JSON_DEPTH = PYTHON_JSON_MAX_DEPTH;

/** Throws what AWX answers for JSON nested too deep for Python (see {@link AWX_MAX_JSON_DEPTH}). */
function checkNesting(value: unknown): void {
  if (tooDeepForPython(value)) {
    throw new ApiError(500, { detail: "A server error has occurred." });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The JSON object of a request body. An empty body is `{}` whatever its content type (DRF
 * only parses a body that has a length).
 *
 * @throws ApiError 415 for a body that is not `application/json`, 400 for bad JSON or a
 *   JSON value that is not an object, 500 for JSON nested {@link AWX_MAX_JSON_DEPTH} deep.
 */
export function parseJsonBody(
  contentType: string | undefined,
  body: Buffer,
): Record<string, unknown> {
  if (body.length === 0) return {};
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "application/json") throw new ApiError(415, { detail: MEDIA_TYPE_ERROR });
  let data: unknown;
  try {
    data = JSON.parse(body.toString("utf8")) as unknown;
  } catch (error) {
    throw new ApiError(400, { detail: `JSON parse error - ${(error as Error).message}` });
  }
  checkNesting(data);
  if (!isRecord(data)) {
    throw new ApiError(400, {
      non_field_errors: [`Invalid data. Expected a dictionary, but got ${pythonType(data)}.`],
    });
  }
  return data;
}

/**
 * The launch-time `extra_vars`: an object, or a string holding a JSON object (AWX also
 * takes YAML; the simulator only JSON). null and `""` mean none.
 *
 * The exact AWX messages for a bad value are unverified; the shape `{"extra_vars": […]}` is
 * from research §4.
 *
 * @throws ApiError 400 `{"extra_vars": […]}` for anything else.
 */
export function parseExtraVars(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null || value === "") return {};
  let parsed: unknown = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value) as unknown;
    } catch (error) {
      throw new ApiError(400, {
        extra_vars: [
          `Cannot parse as JSON (error: ${(error as Error).message}) or YAML (error: the simulator parses JSON only).`,
        ],
      });
    }
    // The same bound for JSON in a string: unverified (AWX's parse_yaml_or_json falls back to
    // YAML, whose Python parser recurses as well).
    checkNesting(parsed);
  }
  if (!isRecord(parsed)) {
    throw new ApiError(400, {
      extra_vars: [`Input type \`${pythonType(parsed)}\` is not a dictionary`],
    });
  }
  return parsed;
}
