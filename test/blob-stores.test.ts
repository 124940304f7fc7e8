/** The DataStore contract on both stores: the local directory (URLs served by our server) and S3 (s3rver). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { S3Store } from "../src/blob/s3-store.js";
import { dataStoreContract } from "./support/data-store-contract.js";
import { s3StorageConfig, startTestS3 } from "./support/s3.js";
import { startTestServer } from "./support/server.js";

dataStoreContract("LocalStore", async () => {
  const srv = await startTestServer("sqlite");
  return { store: srv.server.blobs, close: () => srv.close() };
});

dataStoreContract("S3Store on s3rver", async () => {
  const s3 = await startTestS3();
  const srv = await startTestServer("sqlite", { storage: s3StorageConfig(s3) });
  return {
    store: srv.server.blobs,
    async close() {
      await srv.close();
      await s3.close();
    },
  };
});

describe("S3Store presigned URLs", () => {
  test("a PUT URL is path-style, signs Content-MD5 and the metadata header, and carries no body checksum", async () => {
    const store = new S3Store({
      bucket: "flyte",
      endpoint: "http://127.0.0.1:9000",
      region: "us-east-1",
      accessKeyId: "k",
      secretAccessKey: "s",
      forcePathStyle: true,
      signingEndpoint: "https://minio.example.com",
    });
    const md5 = "XrY7u+Ae7tCTyyK7j1rNww==";
    const signed = await store.signedUrl(store.ref("p", "d", "f.tar"), {
      method: "PUT",
      expiresInSeconds: 600,
      contentMd5: md5,
      metadata: { flyteContentMD5: md5 },
    });
    const url = new URL(signed.url);
    assert.equal(url.origin, "https://minio.example.com", "signed for the address clients reach the store at");
    assert.equal(url.pathname, "/flyte/p/d/f.tar");
    assert.equal(url.searchParams.get("X-Amz-SignedHeaders"), "content-md5;host;x-amz-meta-flytecontentmd5");
    assert.equal(url.searchParams.get("X-Amz-Expires"), "600");
    assert.deepEqual(
      [...url.searchParams.keys()].filter((k) => /checksum|meta/i.test(k)),
      [],
      "metadata is a signed header, not a query parameter; no CRC32 of an unknown body",
    );
    assert.deepEqual(signed.headers, { "Content-MD5": md5, "x-amz-meta-flytecontentmd5": md5 });
  });

  test("references to another bucket are refused unless multi-container is on", async () => {
    const options = { bucket: "flyte", endpoint: "", region: "us-east-1", accessKeyId: "k", secretAccessKey: "s" };
    const single = new S3Store({ ...options, forcePathStyle: false });
    await assert.rejects(
      single.signedUrl("s3://other/x", { method: "GET", expiresInSeconds: 60 }),
      /storage reference outside the store: s3:\/\/other\/x/,
    );
    const multi = new S3Store({ ...options, forcePathStyle: false, multiContainer: true });
    const signed = await multi.signedUrl("s3://other/x", { method: "GET", expiresInSeconds: 60 });
    assert.equal(new URL(signed.url).hostname, "other.s3.us-east-1.amazonaws.com");
  });
});
