/**
 * Auth secrets, found where FlyteAdmin's file/env secret manager finds them:
 * the environment variable `<env-prefix><name>` first, then the file
 * `<secrets-prefix>/<name>`. Key material that is absent is generated once
 * into `<data dir>/auth-secrets/` (what `flyteadmin secret init` would have
 * written), so a single server works with no set-up; replicas must share
 * secrets the FlyteAdmin way.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";

/** Where a secret came from, for the start-up log. */
export type SecretOrigin = "env" | "file" | "generated";

export interface SecretSourceOptions {
  /** `secrets.secrets-prefix` (default `/etc/secrets`). */
  readonly secretsPrefix: string;
  /** `secrets.env-prefix` (default `FLYTE_SECRET_`). */
  readonly envPrefix: string;
  /** Directory generated secrets go to; undefined to never generate. */
  readonly generatedDir: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Reads named secrets; generates the ones a generator is given for.
 *
 * @example
 * const secrets = new SecretSource({ secretsPrefix: "/etc/secrets", envPrefix: "FLYTE_SECRET_", generatedDir: "/data/auth-secrets" });
 * const key = secrets.getOrGenerate("claim_symmetric_key", () => randomKeyText(32), logger);
 */
export class SecretSource {
  readonly #options: SecretSourceOptions;

  constructor(options: SecretSourceOptions) {
    this.#options = Object.freeze({ ...options });
  }

  /** The secret's text, or undefined when neither the environment, the secrets directory nor the data dir has it. */
  get(name: string): { value: string; origin: SecretOrigin } | undefined {
    const env = this.#options.env ?? process.env;
    const fromEnv = env[`${this.#options.envPrefix}${name}`];
    if (fromEnv !== undefined) return { value: fromEnv, origin: "env" };
    const file = join(this.#options.secretsPrefix, name);
    if (existsSync(file)) return { value: readFileSync(file, "utf8"), origin: "file" };
    if (this.#options.generatedDir) {
      const generated = join(this.#options.generatedDir, name);
      if (existsSync(generated)) return { value: readFileSync(generated, "utf8"), origin: "generated" };
    }
    return undefined;
  }

  /** The secret, generated and stored in the data dir the first time it is missing. */
  getOrGenerate(name: string, generate: () => string, logger: Logger): string {
    const found = this.get(name);
    if (found) return found.value;
    const dir = this.#options.generatedDir;
    if (!dir)
      throw new Error(`secret ${name} not found (env ${this.#options.envPrefix}${name} or ${this.#path(name)})`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const value = generate();
    writeFileSync(join(dir, name), value, { mode: 0o600, flag: "wx" });
    logger.warn(
      { secret: name, dir },
      "auth secret not configured: generated one in the data dir (replicas must share secrets: set them in secrets.secrets-prefix)",
    );
    return value;
  }

  #path(name: string): string {
    return join(this.#options.secretsPrefix, name);
  }
}

/** `n` random bytes as FlyteAdmin's `secret init` writes them: base64 without padding. */
export function randomKeyText(n: number): string {
  return randomBytes(n).toString("base64").replace(/=+$/, "");
}

/** A fresh 2048-bit RSA key in PKCS#1 PEM (`RSA PRIVATE KEY`), FlyteAdmin's `token_rsa_key.pem` format. */
export function randomRsaKeyPem(): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return privateKey.export({ type: "pkcs1", format: "pem" }).toString();
}

/** Decodes a base64 key secret (with or without padding, surrounding whitespace ignored). */
export function decodeKey(name: string, text: string, minBytes: number): Buffer {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) throw new Error(`secret ${name} is not base64`);
  const bytes = Buffer.from(trimmed, "base64");
  if (bytes.length < minBytes)
    throw new Error(`secret ${name} must hold at least ${minBytes} bytes, has ${bytes.length}`);
  return bytes;
}
