import { ConfigurationError, type JobType, type ResourceObject } from "@provisionkit/core";
import type { AapClient, AapTemplate } from "../client/index.js";
import { kebabCase } from "./kebab.js";
import type { AapTemplateOptions } from "./options.js";

/** A template name to look up: name and optional organization. */
export interface TemplateName {
  /** Template name. */
  name: string;
  /** Organization name, when configured. */
  organization?: string;
}

const DEFAULT_VERBS = { provision: "create", deprovision: "delete" } as const;

/** The template name for a resource and operation, per {@link AapTemplateOptions}. */
export function templateNameFor(
  options: AapTemplateOptions,
  resource: ResourceObject,
  operation: JobType,
): TemplateName {
  const kind = resource.kind;
  const perKind = kind === undefined ? undefined : options.kinds?.[kind];
  const organization = perKind?.organization ?? options.organization;
  const explicit = perKind?.[operation] ?? options[operation];
  const withOrg = (name: string): TemplateName =>
    organization === undefined ? { name } : { name, organization };
  if (explicit !== undefined) return withOrg(explicit);
  if (!kind) {
    throw new ConfigurationError(
      `resource ${resource.metadata.name} has no kind, so no ${operation} template name can be derived; ` +
        `set templates.${operation} or templates.kinds`,
    );
  }
  const verb = options.verbs?.[operation] ?? DEFAULT_VERBS[operation];
  return withOrg(`${options.prefix ?? ""}${verb}-${kebabCase(kind)}`);
}

interface CacheEntry {
  template: Promise<AapTemplate>;
  expiresAt: number;
}

/**
 * Resolves template names to AAP templates (id, job or workflow, prompt settings) and
 * caches the answers for `ttlMs`. Concurrent lookups of one name share one request; a
 * failed lookup is not cached; {@link TemplateResolver.invalidate} drops an entry (the
 * provider calls it when AAP answers 404 or rejects a launch).
 */
export class TemplateResolver {
  private readonly cache = new Map<string, CacheEntry>();

  /**
   * @param client - the AAP client.
   * @param ttlMs - how long an answer is reused.
   * @param now - clock.
   */
  constructor(
    private readonly client: AapClient,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /** The template called `ref`, from cache or AAP. Throws `ConfigurationError` when none exists. */
  resolve(ref: TemplateName, signal?: AbortSignal): Promise<AapTemplate> {
    const key = cacheKey(ref);
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > this.now()) return cached.template;
    const template = this.lookup(ref, signal);
    const entry: CacheEntry = { template, expiresAt: this.now() + this.ttlMs };
    this.cache.set(key, entry);
    template.catch(() => {
      if (this.cache.get(key) === entry) this.cache.delete(key);
    });
    return template;
  }

  /** Forget the cached answer for `ref`. */
  invalidate(ref: TemplateName): void {
    this.cache.delete(cacheKey(ref));
  }

  private async lookup(ref: TemplateName, signal?: AbortSignal): Promise<AapTemplate> {
    const found = await this.client.findTemplate(
      ref.name,
      ref.organization,
      signal ? { signal } : {},
    );
    if (found) return found;
    const where = ref.organization ? ` in organization "${ref.organization}"` : "";
    throw new ConfigurationError(
      `no AAP job template or workflow job template named "${ref.name}"${where}`,
      { details: { template: ref.name, organization: ref.organization ?? null } },
    );
  }
}

function cacheKey(ref: TemplateName): string {
  return JSON.stringify([ref.name, ref.organization ?? null]);
}

/** Human name of a template's kind, as AAP's UI says it. */
export function describeTemplate(template: AapTemplate): string {
  const kind = template.kind === "job_template" ? "job template" : "workflow job template";
  const org = template.organization ? ` (organization "${template.organization}")` : "";
  return `${kind} "${template.name}"${org}, id ${template.id}`;
}
