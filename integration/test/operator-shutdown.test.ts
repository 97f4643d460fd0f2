import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// handleShutdownSignals in a real process: SIGTERM stops the controller, the operator server
// and the simulator, then the process exits 0; a stop that never ends exits 1 at the timeout.

const CHILD = fileURLToPath(new URL("../support/shutdown-child.mjs", import.meta.url));

interface Line {
  url?: string;
  level?: string;
  message?: string;
  [field: string]: unknown;
}

/** Run the child; resolves with its URL once it is up, and a promise of its exit. */
function runChild(args: string[]) {
  const child = spawn(process.execPath, [CHILD, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: Line[] = [];
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const up = new Promise<string>((resolve, reject) => {
    let buffer = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = JSON.parse(buffer.slice(0, newline)) as Line;
        buffer = buffer.slice(newline + 1);
        lines.push(line);
        if (line.url) resolve(line.url);
      }
    });
    void exited.then(({ code }) =>
      reject(new Error(`child exited ${code} before it was up: ${stderr}`)),
    );
  });
  return { child, lines, up, exited, stderr: () => stderr };
}

describe("handleShutdownSignals in a child process", () => {
  it("SIGTERM: the controller and the server stop, the process exits 0", async () => {
    const run = runChild([]);
    const url = await run.up;
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    run.child.kill("SIGTERM");
    expect(await run.exited).toEqual({ code: 0, signal: null });
    const messages = run.lines.map((l) => l.message).filter(Boolean);
    expect(messages).toEqual(
      expect.arrayContaining(["shutting down", "provisioning controller stopped", "shut down"]),
    );
    expect(messages.indexOf("provisioning controller stopped")).toBeLessThan(
      messages.indexOf("shut down"),
    );
    expect(run.lines.find((l) => l.message === "shutting down")?.["signal"]).toBe("SIGTERM");
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    expect(run.stderr()).toBe("");
  });

  it("a stop that never ends: the process exits 1 after timeoutMs", async () => {
    const run = runChild(["hang"]);
    await run.up;
    run.child.kill("SIGTERM");
    expect(await run.exited).toEqual({ code: 1, signal: null });
    expect(run.lines.map((l) => l.message)).toContain("shutdown timed out; exiting");
  });
});
