import { ConfigurationError, type JobType } from "@provisionkit/core";

/** What an EDA job id carries (docs/eda-protocol.md, "Synthetic job ids"). */
export interface EdaJobId {
  /** Provision or deprovision. */
  operation: JobType;
  /** The correlation id of the launch (fresh per launch, so the id is unique, P2). */
  correlationId: string;
  /** When the event was sent (epoch ms); the job's timeout is measured from it. */
  sentAt: number;
  /** For provision: the config version the event carried. */
  configVersion?: string;
  /**
   * For deprovision: the event went out while the resource lacked the playbook's finalizer,
   * so only the playbook's acknowledgement (or failure) can end the job, never the
   * finalizer's absence. In the id (`:ack`) so that any process judging the job knows it: a
   * restarted operator or another replica has nothing else of the process that sent it.
   */
  acknowledgementOnly?: boolean;
}

/**
 * The job id of an event: `eda:<operation>:<encodeURIComponent(correlationId)>:<sentAtEpochMs>`,
 * and for a provision `:<configVersion>` appended (the version is the remainder, so it may
 * contain `:`), for a deprovision sent without the finalizer `:ack` appended
 * ({@link EdaJobId.acknowledgementOnly}). EDA returns no job id when it queues an event, so
 * the id carries what the status calls need: what to look for on the resource, and since when.
 *
 * @throws ConfigurationError for a provision id without a config version, or a bad time.
 */
export function encodeEdaJobId(id: EdaJobId): string {
  if (!Number.isSafeInteger(id.sentAt) || id.sentAt < 0) {
    throw new ConfigurationError("EDA job id: sentAt must be a non-negative integer (epoch ms)");
  }
  const base = `eda:${id.operation}:${encodeURIComponent(id.correlationId)}:${id.sentAt}`;
  if (id.operation === "deprovision") return id.acknowledgementOnly ? `${base}:ack` : base;
  if (id.configVersion === undefined || id.configVersion === "") {
    throw new ConfigurationError("EDA job id: a provision job id needs a config version");
  }
  return `${base}:${id.configVersion}`;
}

/**
 * Parses a job id made by {@link encodeEdaJobId} — useful to see when an event was sent,
 * or which correlation id and config version to look for in EDA, AAP or on the resource.
 *
 * @throws ConfigurationError when `jobId` was not made by an EDA provider.
 */
export function decodeEdaJobId(jobId: string): EdaJobId {
  const bad = (): never => {
    throw new ConfigurationError(
      `"${String(jobId)}" is not an EDA job id (expected eda:<operation>:<correlation id>:<sent at>[:<config version> | :ack])`,
      { details: { jobId: String(jobId) } },
    );
  };
  if (typeof jobId !== "string") bad();
  const parts = jobId.split(":");
  const [prefix, operation, correlation, sent] = parts;
  if (prefix !== "eda" || (operation !== "provision" && operation !== "deprovision")) bad();
  if (
    correlation === undefined ||
    correlation === "" ||
    sent === undefined ||
    !/^\d+$/.test(sent)
  ) {
    bad();
  }
  let correlationId = "";
  try {
    correlationId = decodeURIComponent(correlation as string);
  } catch {
    bad();
  }
  const sentAt = Number(sent);
  if (!Number.isSafeInteger(sentAt)) bad();
  const id: EdaJobId = { operation: operation as JobType, correlationId, sentAt };
  const version = parts.slice(4).join(":");
  if (operation === "provision") {
    if (version === "") bad();
    id.configVersion = version;
  } else if (parts.length === 5 && parts[4] === "ack") {
    id.acknowledgementOnly = true;
  } else if (parts.length > 4) {
    bad();
  }
  return id;
}
