/**
 * Builds the web console (console/, a Vite app) into console/dist, which the
 * server serves at /console. Skipped when the build is newer than every
 * source it is made from, so `npm start` pays for it once.
 */
import { closeSync, existsSync, openSync, readdirSync, rmSync, statSync } from "node:fs";
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

/**
 * Runs `vite build` for console/ unless the build is current (`force` rebuilds anyway).
 * Test files build it on demand and run in parallel: a lock file lets one
 * process build while the others wait for it.
 */
export async function buildConsole(force = false): Promise<void> {
  if (!force && !consoleBuildStale()) {
    console.log("console build is current (console/dist)");
    return;
  }
  const release = await lock();
  try {
    if (!force && !consoleBuildStale()) return;
    const { build } = await import("vite");
    await build({ configFile: join(consoleDir, "vite.config.ts"), logLevel: "warn" });
    console.log("built the console into console/dist");
  } finally {
    release();
  }
}

const LOCK = join(consoleDir, ".build-lock");
const STALE_LOCK_MS = 5 * 60_000;

async function lock(): Promise<() => void> {
  for (;;) {
    try {
      closeSync(openSync(LOCK, "wx"));
      return () => rmSync(LOCK, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      // A builder that died leaves its lock behind: take it over after a while.
      const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) rmSync(LOCK, { force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

if (process.argv[1] === import.meta.filename) {
  await buildConsole(process.argv.includes("--force"));
}
