/**
 * Setting up AAP to send job notifications to an {@link AapNotificationReceiver}: one
 * `webhook` notification template, attached to the job templates for their `success` and
 * `error` events. Idempotent: run it at every operator start.
 *
 * Who may do it (github:ansible/awx e21dd0a0 `awx/main/access.py:532-562, 2633-2666`):
 * creating or changing a notification template needs the `notification_admin_role` of its
 * organization; attaching it to a job template needs that and read access to the job template
 * (a workflow job template likewise, an organization its `admin_role` or `auditor_role`).
 *
 * @module
 */
import { ConfigurationError } from "@provisionkit/core";
import type {
  AapClient,
  AapNotificationEvent,
  AapTemplateRef,
  RequestOptions,
} from "../client/index.js";
import type { AapNotificationCredentials } from "./receiver.js";

/** Default {@link AapNotificationSetupOptions.name}. */
export const DEFAULT_NOTIFICATION_TEMPLATE_NAME = "provisionkit-job-signals";

/** A template to attach the notification template to: a reference, or a name to look up. */
export type AapNotifiedTemplate = AapTemplateRef | { name: string; organization?: string };

/** Options of {@link setUpAapNotifications}. */
export interface AapNotificationSetupOptions {
  /** The job or workflow job templates whose jobs should notify (provision and deprovision). */
  readonly templates: readonly AapNotifiedTemplate[];
  /** The receiver's URL as AAP reaches it (e.g. `https://operator.example.com/aap-notifications`). */
  readonly url: string;
  /** The Basic credentials AAP sends and the receiver checks. */
  readonly credentials: AapNotificationCredentials;
  /** The notification template's name. Default {@link DEFAULT_NOTIFICATION_TEMPLATE_NAME}. */
  readonly name?: string;
  /** Its organization id. Default: the first template's. */
  readonly organizationId?: number;
  /**
   * The events attached. Default `success` and `error` (a job's end; `error` also covers
   * `failed` and `canceled`). `started` makes every job cost one more read.
   */
  readonly events?: readonly AapNotificationEvent[];
  /**
   * Whether an existing template of that name is updated (url, credentials): true by
   * default, so that a rotated password reaches AAP. AWX shows a stored password only as
   * `$encrypted$`, so it cannot be compared: the update is sent every time.
   */
  readonly updateExisting?: boolean;
  /** `disable_ssl_verification`. Default false. */
  readonly disableSslVerification?: boolean;
  /** Aborts the requests. */
  readonly signal?: AbortSignal;
}

/** What {@link setUpAapNotifications} did. */
export interface AapNotificationSetupResult {
  /** The notification template's id. */
  notificationTemplateId: number;
  /** Whether it was created now (false: it existed). */
  created: boolean;
  /** The attachments made now (existing ones are left as they are). */
  attached: { template: AapTemplateRef; event: AapNotificationEvent }[];
}

/**
 * Creates (or updates) the webhook notification template and attaches it to each template
 * for each event, through the AAP API. Safe to repeat: an existing template of that name is
 * reused and an existing attachment is not made again.
 *
 * @throws ConfigurationError for a template that cannot be found or has no organization
 *   (and no `organizationId` was given); the client's typed errors otherwise.
 */
export async function setUpAapNotifications(
  client: AapClient,
  options: AapNotificationSetupOptions,
): Promise<AapNotificationSetupResult> {
  const request: RequestOptions = options.signal ? { signal: options.signal } : {};
  const templates: readonly AapNotifiedTemplate[] = options.templates ?? [];
  if (templates.length === 0) {
    throw new ConfigurationError(
      "setUpAapNotifications: templates must name at least one template",
    );
  }
  const refs: AapTemplateRef[] = [];
  let organization = options.organizationId;
  for (const wanted of templates) {
    if ("kind" in wanted) {
      refs.push({ kind: wanted.kind, id: wanted.id });
      continue;
    }
    const found = await client.findTemplate(wanted.name, wanted.organization, request);
    if (!found) {
      throw new ConfigurationError(
        `setUpAapNotifications: no job or workflow job template named "${wanted.name}"`,
      );
    }
    refs.push({ kind: found.kind, id: found.id });
    organization ??= found.organizationId;
  }
  if (organization === undefined) {
    throw new ConfigurationError(
      "setUpAapNotifications: give organizationId (the templates were given by id, or have no organization)",
    );
  }
  const name = options.name ?? DEFAULT_NOTIFICATION_TEMPLATE_NAME;
  const body = {
    name,
    description: "provisionkit: job notifications for the operator (job signals)",
    organization,
    configuration: {
      url: options.url,
      username: options.credentials.username,
      password: options.credentials.password,
      disableSslVerification: options.disableSslVerification ?? false,
    },
  };
  const existing = await client.findNotificationTemplate(name, organization, request);
  let id: number;
  let created = false;
  if (existing === undefined) {
    id = (await client.saveWebhookNotificationTemplate(body, undefined, request)).id;
    created = true;
  } else {
    if (existing.notificationType !== "webhook") {
      throw new ConfigurationError(
        `setUpAapNotifications: notification template "${name}" exists and is not a webhook (${existing.notificationType})`,
      );
    }
    id = existing.id;
    if (options.updateExisting ?? true)
      await client.saveWebhookNotificationTemplate(body, id, request);
  }
  const attached: AapNotificationSetupResult["attached"] = [];
  for (const template of refs) {
    for (const event of options.events ?? (["success", "error"] as const)) {
      const ids = await client.attachedNotificationTemplates(template, event, request);
      if (ids.includes(id)) continue;
      await client.attachNotificationTemplate(template, event, id, request);
      attached.push({ template, event });
    }
  }
  return { notificationTemplateId: id, created, attached };
}
