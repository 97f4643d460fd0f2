/**
 * The EDA side of the EDA story, as its logs would tell it: the events the rulebook's
 * webhook receives and their fate (queued, launched, lost…), the playbooks' write-backs,
 * and the activation's status (shown above the live table).
 */
import type { EdaEventRecord, EdaSimulator } from "@provisionkit/testing";
import type { DemoConsole } from "./console.js";
import { eventOperation, eventResourceKey } from "./eda-summary.js";
import type { Observer } from "./observer.js";

const nameOf = (key: string | undefined): string => key?.split("/").pop() ?? "eda";

/** Polls the EDA simulator's records and logs what is new. */
export class EdaWatch {
  /** What the operator is doing, shown with the activation's status above the table. */
  operatorState = "starting";
  private readonly fates = new Map<number, string>();
  private effectsLogged = 0;
  private activation: string | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly eda: EdaSimulator,
    private readonly out: DemoConsole,
    private readonly observer: Observer,
    private readonly intervalMs = 100,
  ) {}

  /** Start polling. */
  start(): void {
    this.poll();
    this.timer = setInterval(() => this.poll(), this.intervalMs);
  }

  /** Stop polling, after one last look. */
  stop(): void {
    clearInterval(this.timer);
    this.poll();
  }

  /** Log what changed since the last look. */
  poll(): void {
    const status = this.eda.activationStatus;
    if (status !== this.activation) {
      if (this.activation !== undefined) {
        this.out.event("eda", `rulebook activation ${this.activation} → ${status}`, "note");
      }
      this.activation = status;
    }
    this.observer.operatorState = `${this.operatorState}  ·  EDA activation: ${status}`;
    for (const event of this.eda.events()) this.logEvent(event);
    const effects = this.eda.effects();
    for (const effect of effects.slice(this.effectsLogged)) {
      const subject = nameOf(effect.resourceKey);
      const job = `AAP job ${effect.jobId} (${effect.jobStatus})`;
      if (effect.outcome === "failed" || effect.outcome === "skipped") {
        const why = effect.reason ?? "no reason given";
        const tone = effect.outcome === "failed" ? "bad" : "dim";
        this.out.event(
          subject,
          `playbook of ${job} wrote nothing back (${effect.outcome}): ${why}`,
          tone,
        );
      } else if (effect.changes.includes("failure")) {
        this.out.event(subject, `playbook of ${job} wrote back the failure annotation`, "busy");
      } else if (effect.outcome === "applied") {
        this.out.event(
          subject,
          `playbook of ${job} wrote back: ${effect.changes.join(", ")}`,
          "dim",
        );
      }
    }
    this.effectsLogged = effects.length;
  }

  private logEvent(event: EdaEventRecord): void {
    const logged = this.fates.get(event.seq);
    if (logged === event.fate) return;
    this.fates.set(event.seq, event.fate);
    const subject = nameOf(eventResourceKey(event));
    const what = `${eventOperation(event) ?? "an"} event #${event.seq}`;
    if (logged === undefined && event.fate !== "rejected") {
      this.out.event(
        subject,
        `EDA webhook received ${what} at /${event.endpoint ?? "?"} (HMAC signature verified)`,
      );
    }
    switch (event.fate) {
      case "queued":
        return; // said above
      case "launched":
        this.out.event(
          subject,
          `EDA rule launched AAP job ${event.job?.id ?? "?"} (${event.job?.templateName ?? "?"}) for ${what}`,
        );
        return;
      case "rejected":
        this.out.event(
          subject,
          `EDA webhook refused ${what} (HTTP ${event.status}): ${event.reason ?? ""}`,
          "bad",
        );
        return;
      default:
        this.out.event(
          subject,
          `EDA ${event.fate.toUpperCase()}: ${what}${event.reason ? ` (${event.reason})` : ""}`,
          "bad",
        );
    }
  }
}
