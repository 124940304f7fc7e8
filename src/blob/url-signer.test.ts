import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { UrlSigner } from "./url-signer.js";

const fields = { method: "GET" as const, path: "/blobs/flyte/a", expires: 1, contentMd5: "", metadata: {} };

test("processes starting together on one data dir all read the one key the first of them wrote", async () => {
  const dir = mkdtempSync(join(tmpdir(), "url-signer-"));
  try {
    const module = fileURLToPath(new URL("./url-signer.ts", import.meta.url));
    const script = `import { UrlSigner } from ${JSON.stringify(module)};
      const s = UrlSigner.fromConfig("", ${JSON.stringify(dir)});
      process.stdout.write(s.sign(${JSON.stringify(fields)}));`;
    // Each process creates, or finds, the key file; none may read it half-written.
    const signatures = await Promise.all(
      Array.from(
        { length: 8 },
        () =>
          new Promise<string>((resolve, reject) => {
            const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script]);
            let out = "";
            let err = "";
            child.stdout.on("data", (d) => {
              out += d;
            });
            child.stderr.on("data", (d) => {
              err += d;
            });
            child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
          }),
      ),
    );
    assert.equal(new Set(signatures).size, 1, "every process signs with the same key");
    assert.equal(UrlSigner.fromConfig("", dir).sign(fields), signatures[0]);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith(".tmp")),
      [],
      "no temp files left",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a configured key wins, and a short one is refused", () => {
  const a = UrlSigner.fromConfig("0123456789abcdef", "/nonexistent");
  assert.equal(a.verify(fields, a.sign(fields)), true);
  assert.throws(() => UrlSigner.fromConfig("short", "/nonexistent"), /at least 16 bytes/);
});
