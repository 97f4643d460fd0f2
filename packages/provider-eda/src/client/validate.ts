/**
 * The option checks of the HTTP kit (`@provisionkit/core/http`) under the names the option
 * parsers of this package use. Every failure is a `ConfigurationError` naming the option;
 * values are never echoed (they may be secrets).
 *
 * @module
 */
export {
  MAX_TIMER_MS,
  failOption as fail,
  checkFunction as functionOption,
  isRecord,
  isValidPemBundle,
  checkLogger as loggerOption,
  checkMilliseconds as milliseconds,
} from "@provisionkit/core/http";
