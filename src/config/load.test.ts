import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../test/support/temp-dir.js";
import { ConfigError, loadConfig } from "./load.js";

function yamlFile(text: string): string {
  const f = join(tempDir("cfg-"), "c.yaml");
  writeFileSync(f, text);
  return f;
}

test("every key has a default", () => {
  const { config } = loadConfig({ dataDir: "/tmp/x" });
  assert.equal(config.server.httpPort, 8088);
  assert.equal(config.server.grpc.port, 8089);
  assert.equal(config.server.grpc.serverReflection, true);
  assert.equal(config.server.security.allowCors, true);
  assert.deepEqual(config.server.security.allowedOrigins, ["*"]);
  assert.deepEqual(
    config.domains.map((d) => d.id),
    ["development", "staging", "production"],
  );
  assert.equal(config.registration.maxWorkflowNodes, 100);
  assert.equal(config.flyteadmin.maxParallelism, 25);
  assert.equal(config.task_resources.limits.memory, "1Gi");
  assert.equal(config.executor.type, "local");
  assert.equal(config.namespace_mapping.template, "{{ project }}-{{ domain }}");
});

test("FlyteAdmin key names are read from YAML and later files win", () => {
  const a = yamlFile("server:\n  httpPort: 9000\n  grpc:\n    port: 9001\ndomains:\n  - id: dev\n");
  const b = yamlFile("server:\n  grpc:\n    maxMessageSizeBytes: 1024\nunknownSection:\n  x: 1\n");
  const { config } = loadConfig({ files: [a, b] });
  assert.equal(config.server.httpPort, 9000);
  assert.equal(config.server.grpc.port, 9001);
  assert.equal(config.server.grpc.maxMessageSizeBytes, 1024);
  assert.deepEqual(config.domains, [{ id: "dev", name: "dev" }]);
});

test("errors name the key path", () => {
  const f = yamlFile("server:\n  grpc:\n    port: eighty\nexecutor:\n  type: nomad\n");
  assert.throws(
    () => loadConfig({ files: [f] }),
    (e: unknown) =>
      e instanceof ConfigError && /server\.grpc\.port/.test(e.message) && /executor\.type/.test(e.message),
  );
});

test("the loaded config is frozen", () => {
  const { config } = loadConfig();
  assert.throws(() => {
    (config.server as { httpPort: number }).httpPort = 1;
  });
});

test("a missing file is a clear error", () => {
  assert.throws(() => loadConfig({ files: ["/nonexistent/x.yaml"] }), /cannot read config file/);
});
