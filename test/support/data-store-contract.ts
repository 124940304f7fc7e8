/**
 * The DataStore contract: what every blob store (local directory, S3) must
 * do, as one suite run against each. Signed URLs are exercised with real
 * HTTP requests, as clients make them.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { CONTENT_MD5_METADATA, type DataStore, readProto, writeProto } from "../../src/blob/data-store.js";
import { nowMicros } from "../../src/common/time.js";
import { AdminError, Code } from "../../src/errors/admin-error.js";
import { ProjectSchema } from "../../src/proto/gen/flyteidl/admin/project_pb.js";

export interface OpenedStore {
  readonly store: DataStore;
  close(): Promise<void>;
}

const md5 = (b: Uint8Array, enc: "hex" | "base64") => createHash("md5").update(b).digest(enc);

function rejectsAdmin(call: () => unknown, code: Code, message?: RegExp): Promise<void> {
  return assert.rejects(
    async () => call(),
    (e: unknown) => e instanceof AdminError && e.code === code && (!message || message.test(e.message)),
  );
}

export function dataStoreContract(title: string, open: () => Promise<OpenedStore>): void {
  describe(`DataStore contract: ${title}`, () => {
    let opened: OpenedStore | undefined;
    const store = () => (opened as OpenedStore).store;
    before(async () => {
      opened = await open();
    });
    after(async () => {
      await opened?.close();
    });

    test("ref builds references under the base container, dropping empty parts", () => {
      const s = store();
      assert.equal(s.ref("a", "", "b/c", "d"), `${s.baseUri}/a/b/c/d`);
      assert.ok(s.ref("x").startsWith(s.baseUri));
    });

    test("ref refuses . and .. segments, so no reference climbs out of the store", async () => {
      for (const bad of ["..", ".", "a/../b", "a/./b"]) {
        await rejectsAdmin(() => store().ref("p", bad), Code.INVALID_ARGUMENT, /^invalid path segment \[\.\.?\]/);
      }
    });

    test("write then read and head return the bytes, size and MD5 entity tag", async () => {
      const s = store();
      const ref = s.ref("contract", "rw", "object.bin");
      const data = new Uint8Array([0, 1, 2, 250, 255]);
      await s.write(ref, data);
      assert.deepEqual(Buffer.from(await s.read(ref)), Buffer.from(data));
      const info = await s.head(ref);
      assert.equal(info?.size, 5);
      assert.equal(info?.etag, md5(data, "hex"));
      assert.deepEqual(info?.metadata, {});
    });

    test("a second write replaces the object and its metadata", async () => {
      const s = store();
      const ref = s.ref("contract", "rw", "replaced");
      await s.write(ref, Buffer.from("first"), { metadata: { Owner: "a" } });
      await s.write(ref, Buffer.from("second!"), { metadata: { other: "b" } });
      assert.equal(Buffer.from(await s.read(ref)).toString(), "second!");
      const info = await s.head(ref);
      assert.equal(info?.size, 7);
      assert.deepEqual(info?.metadata, { other: "b" });
    });

    test("metadata keys are recorded lower-case", async () => {
      const s = store();
      const ref = s.ref("contract", "meta");
      await s.write(ref, Buffer.from("m"), { metadata: { FlyteContentMD5: "abc" } });
      assert.deepEqual((await s.head(ref))?.metadata, { [CONTENT_MD5_METADATA]: "abc" });
    });

    test("a missing object: read is NOT_FOUND, head is undefined", async () => {
      const s = store();
      const ref = s.ref("contract", "nothing-here");
      await rejectsAdmin(() => s.read(ref), Code.NOT_FOUND, /^object not found: /);
      assert.equal(await s.head(ref), undefined);
    });

    test("a reference of another kind of store is INVALID_ARGUMENT", async () => {
      const foreign = store().baseUri.startsWith("s3:") ? "file:///etc/passwd" : "s3://bucket/key";
      await rejectsAdmin(() => store().read(foreign), Code.INVALID_ARGUMENT);
      await rejectsAdmin(() => store().head(foreign), Code.INVALID_ARGUMENT);
    });

    test("protobuf messages round-trip", async () => {
      const s = store();
      const ref = s.ref("contract", "proto.pb");
      await writeProto(s, ref, ProjectSchema, create(ProjectSchema, { id: "p", name: "P" }));
      assert.equal((await readProto(s, ref, ProjectSchema)).name, "P");
    });

    test("a signed PUT URL accepts the body with the returned headers (200) and records the metadata", async () => {
      const s = store();
      const ref = s.ref("contract", "signed", "upload.tar");
      const body = Buffer.from("some uploaded bytes");
      const contentMd5 = md5(body, "base64");
      const before = nowMicros();
      const signed = await s.signedUrl(ref, {
        method: "PUT",
        expiresInSeconds: 600,
        contentMd5,
        metadata: { [CONTENT_MD5_METADATA]: contentMd5 },
      });
      assert.equal(signed.headers["Content-MD5"], contentMd5);
      assert.ok(Object.keys(signed.headers).length === 2, "Content-MD5 and the metadata header");
      assert.ok(Math.abs(signed.expiresAt - (before + 600e6)) < 5e6, "expiresAt is now + expiresIn");
      const res = await fetch(signed.url, { method: "PUT", body, headers: { ...signed.headers } });
      assert.equal(res.status, 200, await res.text());
      assert.deepEqual(Buffer.from(await s.read(ref)), body);
      const info = await s.head(ref);
      assert.equal(info?.metadata[CONTENT_MD5_METADATA], contentMd5);
      assert.equal(info?.etag, md5(body, "hex"));
    });

    test("a signed GET URL serves the bytes with Content-Length", async () => {
      const s = store();
      const ref = s.ref("contract", "signed", "download.bin");
      const data = Buffer.from("x".repeat(1000));
      await s.write(ref, data);
      const signed = await s.signedUrl(ref, { method: "GET", expiresInSeconds: 60 });
      assert.deepEqual(signed.headers, {});
      const res = await fetch(signed.url);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-length"), "1000");
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), data);
    });
  });
}
