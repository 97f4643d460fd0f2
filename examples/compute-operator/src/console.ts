/**
 * Output of the demo. On a terminal: a scrolling log of what happens, with a live table of
 * the resources redrawn under it (ANSI escape codes, no dependencies). Elsewhere (a pipe,
 * a file, CI): the log only, one plain line per event.
 */

/** How a piece of text is shown on a terminal. */
export type Tone = "plain" | "bold" | "dim" | "user" | "good" | "busy" | "bad" | "note";

const CODES: Record<Tone, string> = {
  plain: "",
  bold: "\x1b[1m",
  dim: "\x1b[2m",
  user: "\x1b[1;36m",
  good: "\x1b[32m",
  busy: "\x1b[33m",
  bad: "\x1b[1;31m",
  note: "\x1b[35m",
};
const RESET = "\x1b[0m";
const ESCAPE_SEQUENCE = `${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`;
const ANSI = new RegExp(ESCAPE_SEQUENCE, "g");
const ANSI_AT = new RegExp(ESCAPE_SEQUENCE, "y");

/** A table cell: text and how to show it. */
export interface Cell {
  text: string;
  tone?: Tone;
}

/** A stream the console writes to (a subset of `process.stdout`). */
export interface Output {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

/** Visible width of a string that may hold ANSI codes. */
export function visibleLength(text: string): number {
  return text.replace(ANSI, "").length;
}

/** Cut a string that may hold ANSI codes to `width` visible characters. */
export function truncate(text: string, width: number): string {
  if (visibleLength(text) <= width) return text;
  let out = "";
  let shown = 0;
  for (let i = 0; i < text.length && shown < width - 1;) {
    ANSI_AT.lastIndex = i;
    const match = ANSI_AT.exec(text);
    if (match) {
      out += match[0];
      i += match[0].length;
      continue;
    }
    out += text[i];
    shown += 1;
    i += 1;
  }
  return `${out}…${RESET}`;
}

/** Lay out rows of cells in columns two spaces apart. */
export function table(rows: readonly (readonly Cell[])[], paint: (cell: Cell) => string): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.text.length)));
  }
  return rows.map((row) =>
    row
      .map((cell, i) => {
        const pad = i === row.length - 1 ? "" : " ".repeat((widths[i] ?? 0) - cell.text.length);
        return paint(cell) + pad;
      })
      .join("  ")
      .trimEnd(),
  );
}

/** The demo's console: a log, and on a terminal a live panel redrawn under it. */
export class DemoConsole {
  /** Whether the live panel is drawn (stdout is a terminal). */
  readonly live: boolean;
  private readonly color: boolean;
  private panel: string[] = [];
  private drawn = 0;
  private closed = false;

  constructor(
    private readonly out: Output,
    private readonly startedAt: number,
    options: { live?: boolean; color?: boolean } = {},
  ) {
    this.live = options.live ?? out.isTTY === true;
    this.color = options.color ?? (this.live && process.env.NO_COLOR === undefined);
    if (this.live) this.out.write("\x1b[?25l");
  }

  /** Text with a tone (ANSI on a colour terminal, plain elsewhere). */
  paint = (cell: Cell): string => {
    const code = CODES[cell.tone ?? "plain"];
    return this.color && code && cell.text ? `${code}${cell.text}${RESET}` : cell.text;
  };

  /** Seconds since the demo started, as `+12.3s`. */
  clock(now = Date.now()): string {
    return `+${((now - this.startedAt) / 1000).toFixed(1)}s`.padStart(7);
  }

  /** One log line about a resource (or the whole story, with `subject` empty). */
  event(subject: string, text: string, tone: Tone = "plain"): void {
    const line = `${this.paint({ text: this.clock(), tone: "dim" })}  ${this.paint({ text: subject.padEnd(8), tone: "bold" })} ${this.paint({ text, tone })}`;
    this.log([line]);
  }

  /** A heading in the log. */
  heading(text: string): void {
    this.log([
      "",
      `${this.paint({ text: this.clock(), tone: "dim" })}  ${this.paint({ text, tone: "user" })}`,
    ]);
  }

  /** Lines printed as they are (below the log, above the panel). */
  log(lines: readonly string[]): void {
    if (this.closed) return;
    this.erase();
    const width = this.width();
    for (const line of lines) this.out.write(`${this.live ? truncate(line, width) : line}\n`);
    this.draw();
  }

  /** Replace the live panel (ignored when not live). */
  setPanel(lines: readonly string[]): void {
    if (!this.live || this.closed) return;
    this.panel = [...lines];
    this.erase();
    this.draw();
  }

  /** Remove the panel, show the cursor again; later output is plain lines. */
  close(): void {
    if (this.closed) return;
    this.erase();
    this.panel = [];
    this.closed = true;
    if (this.live) this.out.write("\x1b[?25h");
  }

  /** Write lines after {@link close} (or when not live): the summary. */
  print(lines: readonly string[]): void {
    for (const line of lines) this.out.write(`${line}\n`);
  }

  private width(): number {
    return Math.max(40, (this.out.columns ?? 120) - 1);
  }

  private erase(): void {
    if (!this.live || this.drawn === 0) return;
    this.out.write(`\x1b[${this.drawn}A\r\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    if (!this.live || this.panel.length === 0) return;
    const width = this.width();
    this.out.write(this.panel.map((line) => `${truncate(line, width)}\n`).join(""));
    this.drawn = this.panel.length;
  }
}
