/**
 * Debian's chromium driven by playwright-core (browser downloads do not work
 * here, so the system binary is used), and screenshots into test/.screenshots
 * (not committed) for people to look at.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { buildConsole } from "../../scripts/build-console.js";

const CANDIDATES = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
export const SCREENSHOT_DIR = resolve(import.meta.dirname, "..", ".screenshots");

/** The chromium binary, or undefined (tests then skip with a reason). */
export function chromiumPath(): string | undefined {
  return CANDIDATES.find((p): p is string => !!p && existsSync(p));
}

/** Launches headless chromium with the flags CI needs (no sandbox as root, no network chatter); playwright gives it a fresh profile dir. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("chromium not found");
  await buildConsole();
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Saves a full-page screenshot as test/.screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: false });
}
