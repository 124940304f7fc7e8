import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
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

test("an object's entity tag is its MD5 and its metadata what it was last written with, sidecar or not", async () => {
  const root = mkdtempSync(join(tmpdir(), "local-store-"));
  try {
    const store = new LocalStore(root, "flyte");
    const ref = store.ref("p", "d", "obj");
    const md5 = (bytes: number[]) => createHash("md5").update(new Uint8Array(bytes)).digest("hex");
    await store.write(ref, new Uint8Array([1]), { metadata: { Owner: "a" } });
    assert.deepEqual(await store.head(ref), { size: 1, etag: md5([1]), metadata: { owner: "a" } });
    // Written again without metadata: the old sidecar must not describe the new bytes.
    await store.write(ref, new Uint8Array([2, 3]));
    assert.deepEqual(await store.head(ref), { size: 2, etag: md5([2, 3]), metadata: {} });
    assert.deepEqual([...(await store.read(ref))], [2, 3]);
    await store.write(ref, new Uint8Array([4]), { metadata: { owner: "b" } });
    assert.deepEqual(await store.head(ref), { size: 1, etag: md5([4]), metadata: { owner: "b" } });
    assert.deepEqual(readdirSync(join(root, "flyte", "p", "d")), ["obj"], "no temp files left");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
