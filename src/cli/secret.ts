/**
 * `flyteadmin secret init|create` (alias `secrets`), as the charts'
 * `generate-secrets` init container runs them: `init` writes the Self auth
 * server's key files, `create` stores a folder of files as a Kubernetes Secret
 * in `POD_NAMESPACE` (adding missing keys to an existing one, or replacing it
 * with `--force`).
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { randomKeyText, randomRsaKeyPem } from "../auth/secrets.js";
import { commandLogger, loadFromCommand } from "./options.js";

/** FlyteAdmin's `secret init` key sizes (bytes) and file names, which Self auth reads. */
const KEY_FILES: ReadonlyArray<readonly [string, number]> = [
  ["claim_symmetric_key", 32],
  ["cookie_hash_key", 64],
  ["cookie_block_key", 32],
];
const RSA_KEY_FILE = "token_rsa_key.pem";

/** Writes fresh secrets into `dir` (created if missing); returns the file names. */
export function writeInitialSecrets(dir: string): string[] {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const written: string[] = [];
  for (const [name, bytes] of KEY_FILES) {
    writeFileSync(join(dir, name), randomKeyText(bytes), { mode: 0o600 });
    written.push(name);
  }
  writeFileSync(join(dir, RSA_KEY_FILE), randomRsaKeyPem(), { mode: 0o600 });
  written.push(RSA_KEY_FILE);
  return written;
}

/** Every file under `dir` by its base name, as FlyteAdmin's `buildK8sSecretData` walks it. */
function secretData(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out[name] = readFileSync(p).toString("base64");
    }
  };
  walk(dir);
  return out;
}

export function registerSecret(program: Command): void {
  const group = program
    .command("secret")
    .alias("secrets")
    .description("auth secrets of the built-in authorization server");
  group
    .command("init")
    .description("generate the secrets of the Self authorization server and OIDC cookies")
    .option("-p, --localPath <dir>", "where to write the secret files (default: the working directory)")
    .action((opts: { localPath?: string }, cmd: Command) => {
      const logger = commandLogger(loadFromCommand(cmd));
      const dir = opts.localPath || process.cwd();
      for (const name of writeInitialSecrets(dir)) logger.info({ dir }, `wrote ${name}`);
    });
  group
    .command("create")
    .description("create a Kubernetes Secret (in POD_NAMESPACE, else default) from the files of a folder")
    .option("--name <name>", "the Secret's name", "flyte-admin-auth")
    .option("--fromPath <dir>", "the folder whose files become the Secret's keys", "/etc/secrets")
    .option("-f, --force", "replace the Secret if it exists", false)
    .action(async (opts: { name: string; fromPath: string; force: boolean }, cmd: Command) => {
      // The Kubernetes client is loaded only here: every other command (serve) starts without it.
      const { createSecret } = await import("./secret-create.js");
      await createSecret(opts, loadFromCommand(cmd), secretData(opts.fromPath));
    });
}
