import { describe, expect, it } from "vitest";
import { measureLifecycles } from "../support/request-count.ts";

describe("Kubernetes requests per lifecycle (issue 17)", () => {
  it("prints the figures", async () => {
    const short = await measureLifecycles({ jobMs: 5_000, lifecycles: 3 });
    const long = await measureLifecycles({ jobMs: 30 * 60_000, lifecycles: 3 });
    console.log(JSON.stringify({ short, long }, null, 1));
    expect(short.troubled).toBe(0);
  }, 120_000);
});
