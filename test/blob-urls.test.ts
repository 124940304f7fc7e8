/**
 * The local store's signed URLs as served by our HTTP server: every way a
 * request can be wrong (tampered, expired, wrong method, MD5, size, path
 * traversal) is refused with a clear status and body, and nothing is written.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, test } from "node:test";
import { CONTENT_MD5_METADATA } from "../src/blob/data-store.js";
import { describeEachDatabase, startTestServer, type TestServer } from "./support/server.js";

const b64md5 = (b: Uint8Array) => createHash("md5").update(b).digest("base64");

/** An HTTP request sent exactly as written (fetch would normalise the path). */
function rawRequest(
  srv: TestServer,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: srv.server.httpPort, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** `s` with its first character changed (to "A", or to "B" when it already is "A"). */
const otherFirstChar = (s: string) => `${s.startsWith("A") ? "B" : "A"}${s.slice(1)}`;

async function expectRefusal(res: Response, status: number, message: RegExp): Promise<void> {
  const text = await res.text();
  assert.equal(res.status, status, text);
  assert.match(text, message);
}

describeEachDatabase(
  "local signed URLs",
  (srv) => {
    const body = Buffer.from("fast-register archive bytes");
    const md5 = b64md5(body);
    const putUrl = (key: string, extra: { expiresInSeconds?: number; metadata?: boolean } = {}) => {
      const store = srv().server.blobs;
      return store.signedUrl(store.ref("uploads", key), {
        method: "PUT",
        expiresInSeconds: extra.expiresInSeconds ?? 600,
        contentMd5: md5,
        metadata: extra.metadata ? { [CONTENT_MD5_METADATA]: md5 } : undefined,
      });
    };
    const stored = (key: string) => srv().server.blobs.head(srv().server.blobs.ref("uploads", key));

    test("a PUT with the returned headers is 200 and stores the bytes; GET serves them", async () => {
      const signed = await putUrl("ok.tar", { metadata: true });
      assert.ok(signed.url.startsWith(`${srv().httpBase}/blobs/flyte/uploads/ok.tar?`), signed.url);
      const res = await fetch(signed.url, { method: "PUT", body, headers: { ...signed.headers } });
      assert.equal(res.status, 200);
      const info = await stored("ok.tar");
      assert.equal(info?.size, body.length);
      assert.equal(info?.metadata[CONTENT_MD5_METADATA], md5);
      const store = srv().server.blobs;
      const get = await store.signedUrl(store.ref("uploads", "ok.tar"), { method: "GET", expiresInSeconds: 60 });
      const got = await fetch(get.url);
      assert.equal(got.headers.get("content-length"), String(body.length));
      assert.deepEqual(Buffer.from(await got.arrayBuffer()), body);
      const head = await fetch(get.url, { method: "HEAD" });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get("content-length"), String(body.length));
    });

    test("a tampered URL is 403: signature, expiry, path, MD5 or metadata list changed", async () => {
      const signed = await putUrl("tamper.tar", { metadata: true });
      const u = new URL(signed.url);
      const variants: [string, (x: URL) => void][] = [
        ["signature", (x) => x.searchParams.set("signature", otherFirstChar(x.searchParams.get("signature") ?? ""))],
        ["expires", (x) => x.searchParams.set("expires", String(Number(x.searchParams.get("expires")) + 3600))],
        ["path", (x) => (x.pathname = x.pathname.replace("tamper.tar", "other.tar"))],
        ["md5", (x) => x.searchParams.set("md5", b64md5(Buffer.from("other")))],
        ["meta", (x) => x.searchParams.delete("meta")],
        ["method", (x) => x.searchParams.set("method", "GET")],
      ];
      for (const [what, change] of variants) {
        const x = new URL(u);
        change(x);
        const res = await fetch(x, { method: "PUT", body, headers: { ...signed.headers } });
        await expectRefusal(res, 403, /^signature does not match/);
        assert.equal(await stored("tamper.tar"), undefined, `nothing stored after a tampered ${what}`);
        assert.equal(await stored("other.tar"), undefined);
      }
      const noSig = new URL(u);
      noSig.searchParams.delete("signature");
      await expectRefusal(
        await fetch(noSig, { method: "PUT", body, headers: { ...signed.headers } }),
        403,
        /^missing or malformed signature parameters/,
      );
    });

    test("an expired URL is 403", async () => {
      const signed = await putUrl("expired.tar", { expiresInSeconds: -2 });
      const res = await fetch(signed.url, { method: "PUT", body, headers: { ...signed.headers } });
      await expectRefusal(res, 403, /^this URL expired at \d{4}-\d\d-\d\dT/);
      assert.equal(await stored("expired.tar"), undefined);
    });

    test("a URL used with the other method is 403", async () => {
      const signed = await putUrl("method.tar");
      await expectRefusal(await fetch(signed.url), 403, /^this URL is signed for PUT, not GET$/m);
      const store = srv().server.blobs;
      const get = await store.signedUrl(store.ref("uploads", "method.tar"), { method: "GET", expiresInSeconds: 60 });
      await expectRefusal(
        await fetch(get.url, { method: "PUT", body, headers: { "Content-MD5": md5 } }),
        403,
        /^this URL is signed for GET, not PUT$/m,
      );
      assert.equal(await stored("method.tar"), undefined);
    });

    test("Content-MD5: missing or different header is 403, a body that does not match is 400", async () => {
      const signed = await putUrl("md5.tar");
      await expectRefusal(
        await fetch(signed.url, { method: "PUT", body }),
        403,
        /^missing Content-MD5 header: this URL requires Content-MD5 /,
      );
      await expectRefusal(
        await fetch(signed.url, { method: "PUT", body, headers: { "Content-MD5": b64md5(Buffer.from("x")) } }),
        403,
        /^Content-MD5 header .* does not match the signed Content-MD5 /,
      );
      await expectRefusal(
        await fetch(signed.url, {
          method: "PUT",
          body: Buffer.from("not the declared bytes"),
          headers: signed.headers,
        }),
        400,
        /^BadDigest: the body's MD5 \[.*\] does not match Content-MD5 \[/,
      );
      assert.equal(await stored("md5.tar"), undefined, "a bad digest leaves nothing behind");
    });

    test("a signed metadata header that is missing or changed is 403", async () => {
      const signed = await putUrl("meta.tar", { metadata: true });
      await expectRefusal(
        await fetch(signed.url, { method: "PUT", body, headers: { "Content-MD5": md5 } }),
        403,
        /^missing signed header x-flyte-meta-flytecontentmd5$/m,
      );
      await expectRefusal(
        await fetch(signed.url, {
          method: "PUT",
          body,
          headers: { ...signed.headers, "x-flyte-meta-flytecontentmd5": "changed" },
        }),
        403,
        /^signature does not match/,
      );
    });

    test("an upload over server.dataProxy.upload.maxSize is 413, declared or streamed", async () => {
      const big = Buffer.alloc(2048, 7);
      const store = srv().server.blobs;
      const signed = await store.signedUrl(store.ref("uploads", "big.bin"), {
        method: "PUT",
        expiresInSeconds: 60,
        contentMd5: b64md5(big),
      });
      await expectRefusal(
        await fetch(signed.url, { method: "PUT", body: big, headers: signed.headers }),
        413,
        /^object larger than the limit of 1024 bytes$/m,
      );
      // Without Content-Length (chunked), the limit is enforced while reading.
      const streamed = await fetch(signed.url, {
        method: "PUT",
        body: Readable.toWeb(Readable.from([big.subarray(0, 1000), big.subarray(1000)])) as ReadableStream,
        headers: signed.headers,
        duplex: "half",
      } as RequestInit);
      await expectRefusal(streamed, 413, /^object larger than the limit of 1024 bytes$/m);
      assert.equal(await stored("big.bin"), undefined);
      const exact = Buffer.alloc(1024, 1);
      const ok = await store.signedUrl(store.ref("uploads", "exact.bin"), {
        method: "PUT",
        expiresInSeconds: 60,
        contentMd5: b64md5(exact),
      });
      assert.equal((await fetch(ok.url, { method: "PUT", body: exact, headers: ok.headers })).status, 200);
    });

    test("path traversal is refused before the file system is touched", async () => {
      const signed = await putUrl("trav.tar");
      const query = new URL(signed.url).search;
      const headers = { "Content-MD5": md5 };
      const cases: [string, number, RegExp][] = [
        ["/blobs/flyte/uploads/../uploads/trav.tar", 400, /segment \[\.\.\] is not allowed/],
        ["/blobs/flyte/uploads/%2e%2e/uploads/trav.tar", 400, /segment \[%2e%2e\] is not allowed/],
        ["/blobs/flyte/uploads/.%2E/.%2e/x", 400, /is not allowed/],
        ["/blobs/flyte/uploads%2F..%2F..%2Fetc/x", 400, /is not allowed/],
        ["/blobs//etc/passwd", 400, /segment \[\] is not allowed/],
        ["/blobs/flyte/uploads/a%5C..%5Cb", 400, /is not allowed/],
        ["/blobs/flyte/uploads/a%00b", 400, /is not allowed/],
        // The router itself cannot decode this one and finds no route.
        ["/blobs/flyte/uploads/%E0%A4%A", 404, /Not Found/],
        ["/blobs/flyte/../../../../etc/passwd", 404, /Not Found/],
      ];
      for (const [path, status, message] of cases) {
        const res = await rawRequest(srv(), "PUT", `${path}${query}`, headers, body);
        assert.equal(res.status, status, `${path}: ${res.text}`);
        assert.match(res.text, message, path);
        const get = await rawRequest(srv(), "GET", `${path}${query}`);
        assert.equal(get.status, status, `GET ${path}: ${get.text}`);
      }
      assert.equal(existsSync(join(srv().dataDir, "blobs", "uploads")), false, "nothing outside the container");
      assert.equal(existsSync(join(srv().dataDir, "blobs", "etc")), false);
    });

    test("a signed GET of a missing object is 404", async () => {
      const store = srv().server.blobs;
      const get = await store.signedUrl(store.ref("uploads", "never.bin"), { method: "GET", expiresInSeconds: 60 });
      await expectRefusal(await fetch(get.url), 404, /^object not found: file:\/\//);
    });

    test("the signing key is generated into the data dir with mode 0600", () => {
      const mode = statSync(join(srv().dataDir, "blob-signing.key")).mode & 0o777;
      assert.equal(mode, 0o600);
    });
  },
  { server: { dataProxy: { upload: { maxSize: "1Ki" } } } },
);

describe("blob URL signing configuration", () => {
  test("URLs use server.publicUrl and the configured signing key; a short key does not start", async () => {
    const a = await startTestServer("sqlite", {
      server: { publicUrl: "https://flyte.example.com/" },
      storage: { local: { signingKey: "0123456789abcdef-shared" } },
    });
    try {
      const signed = await a.server.blobs.signedUrl(a.server.blobs.ref("k"), { method: "GET", expiresInSeconds: 60 });
      assert.ok(signed.url.startsWith("https://flyte.example.com/blobs/flyte/k?"), signed.url);
      assert.equal(existsSync(join(a.dataDir, "blob-signing.key")), false, "no key file with a configured key");
    } finally {
      await a.close();
    }
    await assert.rejects(
      startTestServer("sqlite", { storage: { local: { signingKey: "short" } } }),
      /the blob signing key must have at least 16 bytes/,
    );
  });
});
