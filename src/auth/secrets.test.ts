import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { pino } from "pino";
import { decodeKey, randomKeyText, randomRsaKeyPem, SecretSource } from "./secrets.js";

const root = mkdtempSync(join(tmpdir(), "secrets-test-"));
after(() => rmSync(root, { recursive: true, force: true }));
const logger = pino({ level: "silent" });

test("environment first, then the secrets directory, then generated ones", () => {
  const dir = join(root, "etc");
  const generated = join(root, "generated");
  writeFileSync(join(root, "placeholder"), "");
  const source = new SecretSource({
    secretsPrefix: dir,
    envPrefix: "FLYTE_SECRET_",
    generatedDir: generated,
    env: { FLYTE_SECRET_cookie_hash_key: "from-env" },
  });
  assert.deepEqual(source.get("cookie_hash_key"), { value: "from-env", origin: "env" });
  assert.equal(source.get("oidc_client_secret"), undefined);
  const made = source.getOrGenerate("claim_symmetric_key", () => "generated-value", logger);
  assert.equal(made, "generated-value");
  assert.equal(statSync(join(generated, "claim_symmetric_key")).mode & 0o777, 0o600);
  assert.deepEqual(source.get("claim_symmetric_key"), { value: "generated-value", origin: "generated" });
  assert.equal(
    source.getOrGenerate("claim_symmetric_key", () => "other", logger),
    "generated-value",
    "generated once",
  );
  const fileSource = new SecretSource({ secretsPrefix: generated, envPrefix: "X_", generatedDir: undefined, env: {} });
  assert.equal(fileSource.get("claim_symmetric_key")?.origin, "file");
  assert.throws(() => fileSource.getOrGenerate("absent", () => "x", logger), /secret absent not found/);
});

test("key formats: FlyteAdmin's base64 without padding, PKCS#1 PEM", () => {
  const text = randomKeyText(32);
  assert.doesNotMatch(text, /=/);
  assert.equal(decodeKey("k", `${text}\n`, 32).length, 32);
  assert.equal(decodeKey("k", Buffer.alloc(32, 7).toString("base64"), 32).length, 32, "padding accepted");
  assert.throws(() => decodeKey("k", "not base64!", 16), /not base64/);
  assert.throws(() => decodeKey("k", randomKeyText(8), 16), /at least 16 bytes/);
  assert.match(randomRsaKeyPem(), /^-----BEGIN RSA PRIVATE KEY-----/);
  assert.ok(readFileSync(join(root, "placeholder"), "utf8") === "");
});
