/**
 * Temporary directories that go away with the test process, for tests that
 * have no server or database fixture to own them (config files, kubeconfigs,
 * markers): each run would otherwise leave its directories in the system's
 * temp directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

process.once("exit", () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/**
 * A new directory under the system's temp directory, removed when the process exits.
 *
 * @example
 * const file = join(tempDir("cfg-"), "c.yaml");
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
