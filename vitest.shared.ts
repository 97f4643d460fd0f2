import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const packagesDir = fileURLToPath(new URL("./packages/", import.meta.url));

/**
 * Maps every workspace package under `packages/*` that has a `src/index.ts` to that file,
 * e.g. `@provisionkit/core` -> `<root>/packages/core/src/index.ts`, so tests run against the
 * sources without a prior build. New packages are picked up automatically.
 */
export const workspaceAlias: Record<string, string> = Object.fromEntries(
  readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry): [string, string][] => {
      const dir = join(packagesDir, entry.name);
      const manifest = join(dir, "package.json");
      const index = join(dir, "src", "index.ts");
      if (!existsSync(manifest) || !existsSync(index)) return [];
      const { name } = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string };
      return name ? [[name, index]] : [];
    }),
);
