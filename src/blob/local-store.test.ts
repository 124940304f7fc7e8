import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { LocalStore } from "./local-store.js";

test("local references are file:// plus the plain path, readable by clients that strip the scheme", async () => {
  const root = mkdtempSync(join(tmpdir(), "local-store-"));
  try {
    const store = new LocalStore(root, "flyte");
    const ref = store.ref("p", "d", "MZXW6===", "fast abc.tar.gz");
    assert.equal(ref, `file://${root}/flyte/p/d/MZXW6===/fast abc.tar.gz`);
    await store.write(ref, new Uint8Array([1, 2, 3]));
    // flytekit's fsspec LocalFileSystem strips `file://` and opens the rest as a path.
    assert.ok(existsSync(ref.slice("file://".length)));
    assert.deepEqual([...(await store.read(ref))], [1, 2, 3]);
    assert.throws(() => store.pathOf(`file://${root}/flyte/../../etc/passwd`), /outside the store/);
    assert.throws(() => store.pathOf("s3://bucket/x"), /not a local storage reference/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
