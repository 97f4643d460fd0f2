// Types of check-doc-snippets.mjs, for integration/test/doc-snippets.test.ts.

/** The compiler options of the consumer project the blocks are checked in. */
export declare const SNIPPET_COMPILER_OPTIONS: Record<string, unknown>;

/** One fenced TypeScript block of a markdown text. */
export interface SnippetBlock {
  /** The 1-based markdown line of the block's first code line. */
  line: number;
  /** The block's code, its fence's indentation removed. */
  code: string;
  /** Opened with ```ts nocheck: skipped and counted. */
  nocheck: boolean;
  /** Opened with ```ts continued: part of the previous checked block's module. */
  continued: boolean;
  /** Opened with ```ts run: also run by node (see {@link runDocSnippets}). */
  run: boolean;
  /** The fence's info string after the language. */
  info: string;
}

/** The TypeScript blocks of one markdown text. */
export declare function extractBlocks(text: string): SnippetBlock[];

/** README.md and docs/*.md, absolute paths. */
export declare function documentationFiles(): string[];

/** What {@link checkDocSnippets} found. */
export interface SnippetCheck {
  /** Blocks type-checked. */
  checked: number;
  /** Blocks marked nocheck: file and the line of the fence. */
  skipped: { file: string; line: number }[];
  /** One line per diagnostic, `file.md:line: TSnnnn: message`. */
  errors: string[];
}

/** Type-checks the blocks of `files` (default README.md and docs/*.md), or of `sources`. */
export declare function checkDocSnippets(options?: {
  files?: string[];
  sources?: { name: string; text: string }[];
}): SnippetCheck;

/** What {@link runDocSnippets} did. */
export interface SnippetRun {
  /** Each block run: file, the line of its fence, how long it took. */
  ran: { file: string; line: number; ms: number }[];
  /** One line per block that did not exit 0: `file.md:line: <first lines of its error>`. */
  failures: string[];
}

/** Runs the blocks marked `ts run` of `files` (default README.md and docs/*.md), or of `sources`. */
export declare function runDocSnippets(options?: {
  files?: string[];
  sources?: { name: string; text: string }[];
  timeoutMs?: number;
}): Promise<SnippetRun>;
