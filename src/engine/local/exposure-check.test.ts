import assert from "node:assert/strict";
import { test } from "node:test";
import { configSchema } from "../../config/schema.js";
import { isLoopbackHost, localEngineExposure } from "./exposure-check.js";

test("loopback hosts", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "LOCALHOST"])
    assert.equal(isLoopbackHost(h), true, h);
  for (const h of ["0.0.0.0", "", "::", "192.168.1.10", "example.com", "127.0.0.1.example.com"]) {
    assert.equal(isLoopbackHost(h), false, h);
  }
});

test("the local engine refuses to listen beyond loopback without useAuth, naming the settings", () => {
  const cfg = (server: Record<string, unknown>, executor = "local") =>
    configSchema.parse({ server, executor: { type: executor } });
  assert.equal(localEngineExposure(cfg({ host: "127.0.0.1" })), undefined);
  assert.equal(localEngineExposure(cfg({ host: "0.0.0.0", security: { useAuth: true } })), undefined);
  assert.equal(localEngineExposure(cfg({ host: "0.0.0.0" }, "external")), undefined);
  assert.match(localEngineExposure(cfg({ host: "0.0.0.0" })) ?? "", /server\.security\.useAuth: true/);
  assert.match(localEngineExposure(cfg({ host: "" })) ?? "", /^server\.host is "" with executor\.type local/);
});
