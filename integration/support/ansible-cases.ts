/**
 * The cases the Ansible tier runs, each through the EdaSimulator's modelled playbook effects
 * and through the reference playbooks with the real `ansible-playbook`, and the object each
 * must leave (docs/eda-protocol.md).
 *
 * @module
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestObject } from "./cluster.ts";
import { FINALIZER } from "./world.ts";

/** The finalizer the playbooks add and remove (EdaProvider's default). */
export const AAP_FINALIZER = "provisionkit.io/aap";

/** One case of the table. */
export interface AnsibleCase {
  /** Short name (also the objects' name prefix). */
  name: string;
  /** The event EdaProvider sends. */
  operation: "provision" | "deprovision";
  /** How the job ends: the user's tasks succeed, fail, or the job is canceled mid-run. */
  outcome: "successful" | "failed" | "canceled";
  /** The object was provisioned before (annotations of an earlier run and the finalizer). */
  provisioned?: boolean;
  /** The deletion begins after the event was sent, before the job ends. */
  deleteWhileRunning?: boolean;
  /** The provider's blockDeletionOnFailure (deprovision events). */
  blockDeletionOnFailure?: boolean;
  /** The state EdaProvider reads from the object afterwards. */
  state: "Succeeded" | "Failed" | "Running";
  /** The object's finalizers and provisionkit annotations afterwards ({@link summary}). */
  leaves: ObjectSummary;
}

/** What a case compares: finalizers, provisionkit.io annotations, the failure's fields. */
export interface ObjectSummary {
  /** `metadata.finalizers`. */
  finalizers: string[];
  /** Whether `metadata.deletionTimestamp` is set. */
  deleting: boolean;
  /** The provisionkit.io/* annotations, but the failure annotation. */
  annotations: Record<string, string>;
  /** The failure annotation's correlationId and operation, and whether it has a message. */
  failure?: { correlationId: string; operation: string; hasMessage: boolean };
}

/** The correlation id of the earlier provision of `provisioned` objects. */
export const EARLIER = "c-earlier";
/** The correlation id every case's event carries (objects differ, so it may repeat). */
export const CID = "c-case";

const applied = (cid: string, version = "v1") => ({
  "provisionkit.io/applied-config-version": version,
  "provisionkit.io/applied-correlation-id": cid,
});
const earlier = applied(EARLIER, "v0");

/** The table (issue 14's cases). */
export const CASES: AnsibleCase[] = [
  {
    name: "provision-ok",
    operation: "provision",
    outcome: "successful",
    state: "Succeeded",
    leaves: { finalizers: [FINALIZER, AAP_FINALIZER], deleting: false, annotations: applied(CID) },
  },
  {
    name: "provision-fails",
    operation: "provision",
    outcome: "failed",
    state: "Failed",
    leaves: {
      finalizers: [FINALIZER],
      deleting: false,
      annotations: {},
      failure: { correlationId: CID, operation: "provision", hasMessage: true },
    },
  },
  {
    name: "deprovision-ok",
    operation: "deprovision",
    outcome: "successful",
    provisioned: true,
    state: "Succeeded",
    leaves: {
      finalizers: [FINALIZER],
      deleting: true,
      annotations: { ...earlier, "provisionkit.io/applied-correlation-id": CID },
    },
  },
  {
    name: "deprovision-fails-block",
    operation: "deprovision",
    outcome: "failed",
    provisioned: true,
    blockDeletionOnFailure: true,
    state: "Failed",
    leaves: {
      finalizers: [FINALIZER, AAP_FINALIZER],
      deleting: true,
      annotations: earlier,
      failure: { correlationId: CID, operation: "deprovision", hasMessage: true },
    },
  },
  {
    name: "deprovision-fails-noblock",
    operation: "deprovision",
    outcome: "failed",
    provisioned: true,
    blockDeletionOnFailure: false,
    state: "Failed",
    leaves: {
      finalizers: [FINALIZER],
      deleting: true,
      annotations: earlier,
      failure: { correlationId: CID, operation: "deprovision", hasMessage: true },
    },
  },
  {
    name: "provision-after-delete",
    operation: "provision",
    outcome: "successful",
    deleteWhileRunning: true,
    state: "Succeeded",
    // What it built is reported; the finalizer can no longer be added.
    leaves: { finalizers: [FINALIZER], deleting: true, annotations: applied(CID) },
  },
  {
    name: "provision-canceled",
    operation: "provision",
    outcome: "canceled",
    state: "Running",
    leaves: { finalizers: [FINALIZER], deleting: false, annotations: {} },
  },
];

/** The summary of an object, for comparing the two runs. */
export function summary(object: TestObject | undefined): ObjectSummary | undefined {
  if (!object) return undefined;
  const annotations: Record<string, string> = {};
  let failure: ObjectSummary["failure"];
  for (const [key, value] of Object.entries(object.metadata.annotations ?? {})) {
    if (!key.startsWith("provisionkit.io/")) continue;
    if (key === "provisionkit.io/playbook-failure") {
      const parsed = JSON.parse(value) as Record<string, unknown>;
      failure = {
        correlationId: String(parsed.correlationId),
        operation: String(parsed.operation),
        hasMessage: typeof parsed.message === "string" && parsed.message.length > 0,
      };
    } else annotations[key] = value;
  }
  return {
    finalizers: [...(object.metadata.finalizers ?? [])],
    deleting: Boolean(object.metadata.deletionTimestamp),
    annotations,
    ...(failure ? { failure } : {}),
  };
}

/** A loopback HTTP server that records the bodies posted to it (EdaProvider's target). */
export class EventCapture {
  readonly bodies: { path: string; body: Record<string, unknown> }[] = [];
  private constructor(private readonly server: Server) {}

  static async start(): Promise<EventCapture> {
    const server = createServer();
    const capture = new EventCapture(server);
    server.on("request", (request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
        capture.bodies.push({ path: request.url ?? "", body });
        // The webhook source's confirmation: the endpoint path as text, without its slash.
        const endpoint = (request.url ?? "").replace(/^\//, "");
        response.writeHead(200, { "content-type": "text/plain" }).end(endpoint);
      });
    });
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
    return capture;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The last body posted about object `name`. */
  last(name: string): Record<string, unknown> {
    const found = this.bodies
      .filter((b) => (b.body.metadata as { name?: string } | undefined)?.name === name)
      .at(-1);
    if (!found) throw new Error(`no event was posted about ${name}`);
    return found.body;
  }

  async stop(): Promise<void> {
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}
