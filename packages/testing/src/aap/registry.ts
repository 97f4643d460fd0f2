/**
 * Templates and organizations known to the simulator.
 *
 * @module
 */
import { jsonClone } from "./python-json.js";
import type { OtherTemplateRecord, TemplateKind, TemplateRecord } from "./model.js";
import { validateScript } from "./script.js";
import type { AapOtherTemplateDefinition, AapSurveySpec, AapTemplateDefinition } from "./types.js";

const OTHER_TYPES: readonly string[] = [
  "project",
  "inventory_source",
  "system_job_template",
  "workflow_approval_template",
];

/**
 * How a request names a template: by id, by the named URL `<name>++<organization>`, or (job
 * templates only, AWX's deprecated form) by a bare name, `organization` undefined.
 */
export type TemplateRef = { id: number } | { name: string; organization: string | undefined };

/** The inventory every job template uses unless a launch prompts for another. */
export const DEMO_INVENTORY = { id: 1, name: "Demo Inventory" } as const;

/** Registered templates (one id space for both kinds) and organizations (ids by first use). */
export class TemplateRegistry {
  readonly #templates = new Map<number, TemplateRecord>();
  readonly #organizations = new Map<string, number>();
  readonly #others: OtherTemplateRecord[] = [];
  #nextId = 1;

  /**
   * Registers a template and returns it.
   *
   * @throws Error if a template of the same kind and name exists in the organization.
   */
  add(kind: TemplateKind, def: AapTemplateDefinition, now: number): TemplateRecord {
    if (typeof def.name !== "string" || def.name === "") {
      throw new TypeError("a template needs a non-empty name");
    }
    const organization = def.organization ?? "Default";
    if (this.find(kind, { name: def.name, organization })) {
      throw new Error(`duplicate ${kind} "${def.name}" in organization "${organization}"`);
    }
    if (def.script && typeof def.script !== "function") {
      validateScript(def.script, `script of ${def.name}`);
    }
    const job = kind === "job_template";
    const record: TemplateRecord = {
      id: this.#nextId++,
      kind,
      name: def.name,
      organization,
      organizationId: this.organizationId(organization),
      description: def.description ?? "",
      askVariables: def.askVariablesOnLaunch ?? true,
      askLimit: def.askLimitOnLaunch ?? false,
      askInventory: job ? (def.askInventoryOnLaunch ?? false) : false,
      allowSimultaneous: job ? (def.allowSimultaneous ?? false) : true,
      extraVars: jsonClone(def.extraVars ?? {}),
      survey: {
        enabled: def.surveyEnabled ?? false,
        spec: def.surveySpec ? (jsonClone({ ...def.surveySpec }) as unknown as AapSurveySpec) : {},
      },
      inventory: job ? DEMO_INVENTORY.id : null,
      script: def.script,
      createdAt: now,
      launches: 0,
    };
    this.#templates.set(record.id, record);
    return record;
  }

  /**
   * Registers a template of another kind (listed by `unified_job_templates/` only).
   *
   * @throws TypeError for an empty name; RangeError for an unknown type.
   */
  addOther(def: AapOtherTemplateDefinition, now: number): OtherTemplateRecord {
    if (typeof def.name !== "string" || def.name === "") {
      throw new TypeError("a template needs a non-empty name");
    }
    if (!OTHER_TYPES.includes(def.type)) {
      throw new RangeError(`unknown template type ${String(def.type)}`);
    }
    const global = def.type === "system_job_template" || def.type === "workflow_approval_template";
    const organization = def.organization ?? "Default";
    const record: OtherTemplateRecord = {
      id: this.#nextId++,
      type: def.type,
      name: def.name,
      organization: global
        ? undefined
        : { name: organization, id: this.organizationId(organization) },
      description: def.description ?? "",
      createdAt: now,
    };
    this.#others.push(record);
    return record;
  }

  /** Every template of the other kinds, by id. */
  others(): OtherTemplateRecord[] {
    return [...this.#others];
  }

  /** The id of an organization, assigned on first use. */
  organizationId(name: string): number {
    let id = this.#organizations.get(name);
    if (id === undefined) {
      id = this.#organizations.size + 1;
      this.#organizations.set(name, id);
    }
    return id;
  }

  /** The template of the given kind (any kind when undefined) that `ref` names. */
  find(kind: TemplateKind | undefined, ref: TemplateRef): TemplateRecord | undefined {
    if ("id" in ref) {
      const found = this.#templates.get(ref.id);
      return found && (kind === undefined || found.kind === kind) ? found : undefined;
    }
    const { name, organization } = ref;
    const named = this.list(kind).filter((template) => template.name === name);
    if (organization !== undefined) return named.find((t) => t.organization === organization);
    // `JobTemplate.objects.filter(name=name).order_by('organization__created').first()`:
    // organizations are created here in id order.
    return named.sort((a, b) => a.organizationId - b.organizationId || a.id - b.id)[0];
  }

  /** Every template of the kind (both kinds when undefined), by id. */
  list(kind: TemplateKind | undefined): TemplateRecord[] {
    return [...this.#templates.values()].filter((t) => kind === undefined || t.kind === kind);
  }
}
