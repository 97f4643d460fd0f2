import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const packagesDir = fileURLToPath(new URL("./packages/", import.meta.url));

interface Manifest {
  name?: string;
  exports?: Record<string, unknown>;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/**
 * Maps every workspace package under `packages/*` to its sources, so tests run without a
 * prior build: `@provisionkit/core` -> `<root>/packages/core/src/index.ts`, and every
 * subpath export with a `@provisionkit/source` condition (such as
 * `@provisionkit/core/kubernetes`) to that source file. Matches are exact, so a package
 * name never captures its subpaths. New packages are picked up automatically.
 */
export const workspaceAlias: { find: RegExp; replacement: string }[] = readdirSync(packagesDir, {
  withFileTypes: true,
})
  .filter((entry) => entry.isDirectory())
  .flatMap((entry) => {
    const dir = join(packagesDir, entry.name);
    const manifestPath = join(dir, "package.json");
    if (!existsSync(manifestPath)) return [];
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
    if (!manifest.name) return [];
    const aliases: { find: RegExp; replacement: string }[] = [];
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      const source =
        typeof target === "object" && target !== null
          ? (target as Record<string, unknown>)["@provisionkit/source"]
          : undefined;
      if (typeof source !== "string") continue;
      const specifier = subpath === "." ? manifest.name : `${manifest.name}${subpath.slice(1)}`;
      aliases.push({ find: new RegExp(`^${escape(specifier)}$`), replacement: join(dir, source) });
    }
    const index = join(dir, "src", "index.ts");
    if (!aliases.some((a) => a.find.test(manifest.name!)) && existsSync(index)) {
      aliases.push({ find: new RegExp(`^${escape(manifest.name)}$`), replacement: index });
    }
    return aliases;
  });
