/**
 * Transpiles src/ to dist/ file by file (no bundling: native modules such as
 * better-sqlite3 must stay external). Type checking is `npm run typecheck`.
 */
import { chmodSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { build } from "esbuild";
import { buildConsole } from "./build-console.js";

const root = resolve(import.meta.dirname, "..");
const src = join(root, "src");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [p] : [];
  });
}

const entryPoints = sources(src);
rmSync(join(root, "dist"), { recursive: true, force: true });
await build({
  entryPoints,
  outdir: join(root, "dist"),
  outbase: src,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
});
// dist/main.js is the `flyteadmin` bin (its shebang is kept by esbuild).
chmodSync(join(root, "dist/main.js"), 0o755);
console.log(`built ${entryPoints.length} files into ${relative(process.cwd(), join(root, "dist")) || "dist"}`);

// The web console is its own Vite build (console/ -> console/dist).
await buildConsole();

// scripts/start.mjs rebuilds only when a source is newer than this stamp (written last, after every step).
writeFileSync(join(root, "dist", ".build-stamp"), `${new Date().toISOString()}\n`);
