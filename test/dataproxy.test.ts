/**
 * DataProxyService end to end (transport-auth.md §4.4, clients.md §1.4 and
 * surprise 6): ask for an upload location over gRPC or HTTP, PUT the file to
 * the returned URL exactly as flytekit / flytectl do, read the stored bytes.
 * Runs on the local store (URLs served by our server) and on S3 (s3rver).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { CONTENT_MD5_METADATA } from "../src/blob/data-store.js";
import { base32Std } from "../src/common/base32.js";
import { nowMicros, timestampToMicros } from "../src/common/time.js";
import { Code } from "../src/errors/codes.js";
import { httpError, rejectsWith } from "./support/assertions.js";
import { s3StorageConfig, startTestS3, type TestS3 } from "./support/s3.js";
import { startTestServer, type TestServer } from "./support/server.js";

const JSON_HEADERS = { "Content-Type": "application/json", Accept: "application/json" };
const md5Of = (b: Uint8Array) => createHash("md5").update(b).digest();

/** flytekit's upload_file: Content-Length, Content-MD5 (base64), then every header the server returned. */
async function putLikeFlytekit(url: string, body: Buffer, md5: Buffer, returned: Record<string, string>) {
  const headers = { "Content-Length": String(body.length), "Content-MD5": md5.toString("base64"), ...returned };
  return fetch(url, { method: "PUT", body, headers });
}

interface Variant {
  readonly title: string;
  readonly storagePrefix: string;
  start(): Promise<{ srv: TestServer; close(): Promise<void> }>;
}

const variants: Variant[] = [
  {
    title: "local store",
    storagePrefix: "",
    async start() {
      const srv = await startTestServer("sqlite");
      return { srv, close: () => srv.close() };
    },
  },
  {
    title: "S3 store (s3rver), with a storage prefix",
    storagePrefix: "uploads/v1",
    async start() {
      const s3: TestS3 = await startTestS3();
      const srv = await startTestServer("sqlite", {
        storage: s3StorageConfig(s3),
        server: { dataProxy: { upload: { storagePrefix: "uploads/v1" } } },
      });
      return {
        srv,
        async close() {
          await srv.close();
          await s3.close();
        },
      };
    },
  },
];

for (const variant of variants) {
  describe(`DataProxyService: ${variant.title}`, () => {
    let started: Awaited<ReturnType<Variant["start"]>> | undefined;
    const srv = () => (started as { srv: TestServer }).srv;
    before(async () => {
      started = await variant.start();
    });
    after(async () => {
      await started?.close();
    });
    const expectedRef = (...segments: string[]) =>
      srv().server.blobs.ref(variant.storagePrefix, ...segments.filter((s) => s !== ""));

    test("pyflyte register: CreateUploadLocation over gRPC, PUT as flytekit does, 200, bytes stored", async () => {
      const body = Buffer.from("fast registration archive ".repeat(50));
      const md5 = md5Of(body);
      const before = nowMicros();
      const res = await srv().dataProxy.createUploadLocation({
        project: "flytesnacks",
        domain: "development",
        contentMd5: md5,
        filename: "fastabc123.tar.gz",
        addContentMd5Metadata: true,
      });
      const nativeUrl = expectedRef("flytesnacks", "development", base32Std(md5), "fastabc123.tar.gz");
      assert.equal(res.nativeUrl, nativeUrl);
      const metaHeader = Object.keys(res.headers).find((h) =>
        h.toLowerCase().endsWith(`-meta-${CONTENT_MD5_METADATA}`),
      );
      assert.ok(metaHeader, `a metadata header is returned: ${JSON.stringify(res.headers)}`);
      assert.deepEqual(res.headers, { "Content-MD5": md5.toString("base64"), [metaHeader]: md5.toString("base64") });
      const expiresAt = timestampToMicros(res.expiresAt ?? assert.fail("expires_at"));
      assert.ok(Math.abs(expiresAt - (before + 3600e6)) < 5e6, "the default expiry is upload.maxExpiresIn (1h)");
      const put = await putLikeFlytekit(res.signedUrl, body, md5, res.headers);
      assert.equal(put.status, 200, await put.text());
      assert.deepEqual(Buffer.from(await srv().server.blobs.read(nativeUrl)), body);
      const info = await srv().server.blobs.head(nativeUrl);
      assert.equal(info?.metadata[CONTENT_MD5_METADATA], md5.toString("base64"));
    });

    test("flytectl register files: no metadata, PUT with only Content-MD5 answers exactly 200", async () => {
      const body = Buffer.from("gunzipped tar bytes");
      const md5 = md5Of(body);
      const res = await srv().dataProxy.createUploadLocation({
        project: "p",
        domain: "d",
        contentMd5: md5,
        filename: "fast.tar",
      });
      assert.deepEqual(res.headers, { "Content-MD5": md5.toString("base64") });
      const put = await fetch(res.signedUrl, {
        method: "PUT",
        body,
        headers: { "Content-MD5": md5.toString("base64") },
      });
      assert.equal(put.status, 200);
      assert.deepEqual(Buffer.from(await srv().server.blobs.read(res.nativeUrl)), body);
    });

    test("without a filename the name is 20 random characters under BASE32(md5)", async () => {
      const md5 = md5Of(Buffer.from("x"));
      const a = await srv().dataProxy.createUploadLocation({ project: "p", domain: "d", contentMd5: md5 });
      const b = await srv().dataProxy.createUploadLocation({ project: "p", domain: "d", contentMd5: md5 });
      const prefix = `${expectedRef("p", "d", base32Std(md5))}/`;
      for (const r of [a, b]) {
        assert.ok(r.nativeUrl.startsWith(prefix), r.nativeUrl);
        assert.match(r.nativeUrl.slice(prefix.length), /^[bcdfghjklmnpqrstvwxz2456789]{20}$/);
      }
      assert.notEqual(a.nativeUrl, b.nativeUrl);
    });

    test("org and filename_root are path segments; empty ones are dropped", async () => {
      const r = await srv().dataProxy.createUploadLocation({
        project: "p",
        domain: "d",
        org: "acme",
        filenameRoot: "root-1",
        filename: "f.txt",
      });
      assert.equal(r.nativeUrl, expectedRef("acme", "p", "d", "root-1", "f.txt"));
      assert.deepEqual(r.headers, {}, "no md5, no Content-MD5 header");
    });

    test("validations, in FlyteAdmin's order and words", async () => {
      const dp = srv().dataProxy;
      const md5 = md5Of(Buffer.from("v"));
      await rejectsWith(
        dp.createUploadLocation({}),
        Code.INVALID_ARGUMENT,
        "project and domain are required parameters",
      );
      await rejectsWith(
        dp.createUploadLocation({ project: "p" }),
        Code.INVALID_ARGUMENT,
        "project and domain are required parameters",
      );
      await rejectsWith(
        dp.createUploadLocation({ project: "p", domain: "d", filename: "f" }),
        Code.INVALID_ARGUMENT,
        "content_md5 or filename_root is a required parameter",
      );
      await rejectsWith(
        dp.createUploadLocation({ project: "p", domain: "d", contentMd5: md5, expiresIn: { seconds: 7200n } }),
        Code.INVALID_ARGUMENT,
        "expiresIn [2h0m0s] cannot exceed max allowed expiration [1h0m0s]",
      );
      await rejectsWith(
        dp.createUploadLocation({ project: "p", domain: "d", contentMd5: md5, expiresIn: { seconds: 1n, nanos: -5 } }),
        Code.INVALID_ARGUMENT,
        "expiresIn [seconds:1 nanos:-5] is invalid",
      );
      await rejectsWith(
        dp.createUploadLocation({ project: "p", domain: "d", contentMd5: md5, expiresIn: { seconds: -60n } }),
        Code.INVALID_ARGUMENT,
        "expiresIn [-1m0s] cannot be negative",
      );
      await rejectsWith(
        dp.createUploadLocation({ project: "p", domain: "d", filenameRoot: "..", filename: "x" }),
        Code.INVALID_ARGUMENT,
        "invalid path segment [..] in a storage reference",
      );
      const ok = await dp.createUploadLocation({
        project: "p",
        domain: "d",
        contentMd5: md5,
        expiresIn: { seconds: 60n },
      });
      const expiresAt = timestampToMicros(ok.expiresAt ?? assert.fail("expires_at"));
      assert.ok(Math.abs(expiresAt - (nowMicros() + 60e6)) < 5e6);
    });

    test("a deterministic path that exists: only the same content may be written again", async () => {
      const dp = srv().dataProxy;
      const body = Buffer.from("version one");
      const md5 = md5Of(body);
      const other = md5Of(Buffer.from("version two"));
      const req = { project: "p", domain: "d", filenameRoot: "fixed", filename: "code.tar.gz" };
      const first = await dp.createUploadLocation({ ...req, contentMd5: md5, addContentMd5Metadata: true });
      assert.equal((await putLikeFlytekit(first.signedUrl, body, md5, first.headers)).status, 200);
      const taken = `file already exists at location [${first.nativeUrl}], specify a matching hash if you wish to rewrite`;
      await rejectsWith(dp.createUploadLocation({ ...req, filenameRoot: "fixed" }), Code.ALREADY_EXISTS, taken);
      await rejectsWith(dp.createUploadLocation({ ...req, contentMd5: other }), Code.ALREADY_EXISTS, taken);
      const again = await dp.createUploadLocation({ ...req, contentMd5: md5 });
      assert.equal(again.nativeUrl, first.nativeUrl, "the recorded Content-MD5 matches: allowed");
      // HTTP: 409 with the same message.
      const res = await srv().http("/api/v1/dataproxy/artifact_urn", {
        method: "POST",
        headers: JSON_HEADERS,
        body: JSON.stringify({ ...req, content_md5: other.toString("base64") }),
      });
      await httpError(res, 409, Code.ALREADY_EXISTS, taken);
    });

    test("an existing object without Content-MD5 metadata is matched by its ETag (hex MD5)", async () => {
      const dp = srv().dataProxy;
      const body = Buffer.from("uploaded without metadata");
      const md5 = md5Of(body);
      const req = { project: "p", domain: "d", filenameRoot: "etag", filename: "f.bin" };
      const first = await dp.createUploadLocation({ ...req, contentMd5: md5 });
      assert.equal((await putLikeFlytekit(first.signedUrl, body, md5, first.headers)).status, 200);
      assert.equal((await dp.createUploadLocation({ ...req, contentMd5: md5 })).nativeUrl, first.nativeUrl);
      await rejectsWith(
        dp.createUploadLocation({ ...req, contentMd5: md5Of(Buffer.from("other")) }),
        Code.ALREADY_EXISTS,
        /^file already exists at location /,
      );
    });

    test("over HTTP: POST /api/v1/dataproxy/artifact_urn, then PUT the file", async () => {
      const body = Buffer.from("http uploaded");
      const md5 = md5Of(body);
      const res = await srv().http("/api/v1/dataproxy/artifact_urn", {
        method: "POST",
        headers: JSON_HEADERS,
        body: JSON.stringify({
          project: "p",
          domain: "d",
          content_md5: md5.toString("base64"),
          filename: "h.txt",
          expires_in: "120s",
          add_content_md5_metadata: true,
        }),
      });
      assert.equal(res.status, 200);
      const json = (await res.json()) as {
        signed_url: string;
        native_url: string;
        expires_at: string;
        headers: Record<string, string>;
      };
      assert.equal(json.native_url, expectedRef("p", "d", base32Std(md5), "h.txt"));
      assert.match(json.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
      assert.equal(json.headers["Content-MD5"], md5.toString("base64"));
      const put = await putLikeFlytekit(json.signed_url, body, md5, json.headers);
      assert.equal(put.status, 200);
      assert.deepEqual(Buffer.from(await srv().server.blobs.read(json.native_url)), body);
      const bad = await srv().http("/api/v1/dataproxy/artifact_urn", {
        method: "POST",
        headers: JSON_HEADERS,
        body: JSON.stringify({ project: "p" }),
      });
      await httpError(bad, 400, Code.INVALID_ARGUMENT, "project and domain are required parameters");
    });

    test("CreateDownloadLocation signs a GET URL for a native_url in the store, over gRPC and HTTP", async () => {
      const ref = srv().server.blobs.ref("downloads", "data.bin");
      const data = Buffer.from("downloadable");
      await srv().server.blobs.write(ref, data);
      const r = await srv().dataProxy.createDownloadLocation({ nativeUrl: ref, expiresIn: { seconds: 30n } });
      assert.deepEqual(Buffer.from(await (await fetch(r.signedUrl)).arrayBuffer()), data);
      const expiresAt = timestampToMicros(r.expiresAt ?? assert.fail("expires_at"));
      assert.ok(Math.abs(expiresAt - (nowMicros() + 30e6)) < 5e6);
      const http = await srv().http(`/api/v1/dataproxy/artifact_urn?native_url=${encodeURIComponent(ref)}`, {
        headers: { Accept: "application/json" },
      });
      assert.equal(http.status, 200);
      const json = (await http.json()) as { signed_url: string };
      assert.deepEqual(Buffer.from(await (await fetch(json.signed_url)).arrayBuffer()), data);
    });

    test("CreateDownloadLocation validations", async () => {
      const dp = srv().dataProxy;
      const ref = srv().server.blobs.ref("downloads", "data.bin");
      const prefix = "error while validating request: expiresIn is invalid. Error: ";
      await rejectsWith(
        dp.createDownloadLocation({ nativeUrl: ref, expiresIn: { seconds: 3601n } }),
        Code.INVALID_ARGUMENT,
        `${prefix}input duration [1h0m1s] cannot exceed max allowed expiration [1h0m0s]`,
      );
      await rejectsWith(
        dp.createDownloadLocation({ nativeUrl: ref, expiresIn: { seconds: -1n } }),
        Code.INVALID_ARGUMENT,
        `${prefix}input duration [-1s] should not less than 0`,
      );
      await rejectsWith(dp.createDownloadLocation({}), Code.INVALID_ARGUMENT, "missing native_url");
      const foreign = ref.startsWith("s3:") ? "s3://some-other-bucket/x" : "file:///etc/passwd";
      await rejectsWith(
        dp.createDownloadLocation({ nativeUrl: foreign }),
        Code.INVALID_ARGUMENT,
        `failed to create a signed url. Error: storage reference outside the store: ${foreign}`,
      );
      const res = await srv().http("/api/v1/dataproxy/artifact_urn?native_url=x&expires_in=7200s", {
        headers: { Accept: "application/json" },
      });
      await httpError(
        res,
        400,
        Code.INVALID_ARGUMENT,
        `${prefix}input duration [2h0m0s] cannot exceed max allowed expiration [1h0m0s]`,
      );
    });
  });
}
