/**
 * Builds the web console (console/, a Vite app) into console/dist, which the
 * server serves at /console. Skipped when the build is newer than every
 * source it is made from, so `npm start` pays for it once.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const consoleDir = join(root, "console");
const outFile = join(consoleDir, "dist", "index.html");

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(path).reduce((m, name) => Math.max(m, newestMtime(join(path, name))), info.mtimeMs);
}

/** True when console/dist is older than its sources (or absent). */
export function consoleBuildStale(): boolean {
  if (!existsSync(outFile)) return true;
  const sources = [
    join(consoleDir, "src"),
    join(consoleDir, "index.html"),
    join(consoleDir, "vite.config.ts"),
    join(root, "src", "proto", "gen"),
    join(root, "package-lock.json"),
  ];
  return Math.max(...sources.map(newestMtime)) > statSync(outFile).mtimeMs;
}

/** Runs `vite build` for console/ unless the build is current (`force` rebuilds anyway). */
export async function buildConsole(force = false): Promise<void> {
  if (!force && !consoleBuildStale()) {
    console.log("console build is current (console/dist)");
    return;
  }
  const { build } = await import("vite");
  await build({ configFile: join(consoleDir, "vite.config.ts"), logLevel: "warn" });
  console.log("built the console into console/dist");
}

if (process.argv[1] === import.meta.filename) {
  await buildConsole(process.argv.includes("--force"));
}
