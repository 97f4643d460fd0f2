/**
 * Secrets that providers need (tokens, passwords, HMAC keys), given either as a value or
 * as a reference to a Kubernetes Secret that a {@link SecretSource} reads.
 *
 * Providers never touch Kubernetes themselves: a provider that accepts a
 * {@link SecretReference} asks the {@link SecretSource} it was given. The Kubernetes
 * runtime (`@provisionkit/core/kubernetes`) provides one that reads Secrets through the
 * API server (`KubernetesSecretSource`).
 *
 * @module
 */
import { ConfigurationError } from "./errors.js";

/** Points at one key of a Kubernetes Secret. */
export interface SecretReference {
  /** The Secret's name. */
  name: string;
  /** The key within the Secret's `data`. */
  key: string;
  /** The Secret's namespace; defaults to the source's own default namespace. */
  namespace?: string;
}

/** A secret given directly, or a reference to where it is kept. */
export type SecretValue = string | { secretRef: SecretReference };

/** Options of {@link SecretSource.read}. */
export interface SecretReadOptions {
  /** Aborts the read. */
  signal?: AbortSignal;
  /**
   * Skip any cache and read the Secret again: a provider passes it after the backend
   * rejected the credential, since the Secret may have been rotated.
   */
  fresh?: boolean;
}

/**
 * Resolves {@link SecretReference}s to their values. Implementations must never put the
 * value in an error message, a log line or a detail.
 */
export interface SecretSource {
  /**
   * The value of the referenced key, decoded as UTF-8, with no surrounding whitespace
   * removed (callers trim when their format calls for it).
   *
   * @throws ConfigurationError when the Secret or the key does not exist.
   */
  read(reference: SecretReference, options?: SecretReadOptions): Promise<string>;
}

/** A printable name of a reference, safe for messages: `namespace/name#key`. */
export function describeSecretReference(reference: SecretReference): string {
  const where = reference.namespace ? `${reference.namespace}/` : "";
  return `${where}${reference.name}#${reference.key}`;
}

/**
 * Checks a {@link SecretValue} given in options, so that a typo fails when the provider is
 * built rather than at the first request.
 *
 * @param value - The option value.
 * @param option - The option's name, for the error message.
 * @param hasSource - Whether a {@link SecretSource} was configured to resolve references.
 * @throws ConfigurationError naming `option` (never the value).
 */
export function checkSecretValue(value: unknown, option: string, hasSource: boolean): SecretValue {
  if (typeof value === "string") {
    if (value.trim() === "") throw new ConfigurationError(`${option} must not be empty`);
    return value;
  }
  if (typeof value === "object" && value !== null && "secretRef" in value) {
    const ref: unknown = value.secretRef;
    if (typeof ref !== "object" || ref === null) {
      throw new ConfigurationError(`${option}.secretRef must be an object`);
    }
    const { name, key, namespace } = ref as Record<string, unknown>;
    for (const [field, v] of [
      ["name", name],
      ["key", key],
    ] as const) {
      if (typeof v !== "string" || v === "") {
        throw new ConfigurationError(`${option}.secretRef.${field} must be a non-empty string`);
      }
    }
    if (namespace !== undefined && (typeof namespace !== "string" || namespace === "")) {
      throw new ConfigurationError(`${option}.secretRef.namespace must be a non-empty string`);
    }
    if (!hasSource) {
      throw new ConfigurationError(
        `${option} refers to a Secret, but no secret source was given to read it ` +
          `(pass \`secrets\`, e.g. a KubernetesSecretSource from @provisionkit/core/kubernetes)`,
      );
    }
    const reference: SecretReference = { name: name as string, key: key as string };
    if (namespace !== undefined) reference.namespace = namespace;
    return { secretRef: reference };
  }
  throw new ConfigurationError(`${option} must be a string or { secretRef: { name, key } }`);
}

/**
 * The value of a {@link SecretValue}: the string itself, or what `source` reads.
 *
 * @throws ConfigurationError when a reference is given without a source.
 */
export async function resolveSecretValue(
  value: SecretValue,
  source: SecretSource | undefined,
  options: SecretReadOptions = {},
): Promise<string> {
  if (typeof value === "string") return value;
  if (!source) {
    throw new ConfigurationError(
      `a secret refers to ${describeSecretReference(value.secretRef)}, but no secret source was given`,
    );
  }
  return source.read(value.secretRef, options);
}
