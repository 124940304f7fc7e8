import assert from "node:assert/strict";
import { test } from "node:test";
import { endpointUrl, PublicUrls } from "./public-url.js";

const ports = { http: 8088, grpc: 8089 };

test("without authorized URIs: https of the request host, http for loopback hosts unless we terminate TLS", () => {
  const urls = new PublicUrls({ authorizedUris: [], secure: false }, ports);
  assert.equal(urls.forHost("admin.example.com:8088")?.text, "https://admin.example.com:8088");
  assert.equal(urls.forHost("127.0.0.1:8088")?.text, "http://127.0.0.1:8088");
  assert.equal(urls.forHost("localhost")?.text, "http://localhost");
  assert.equal(urls.forHost("[::1]:8089")?.text, "http://[::1]:8089");
  assert.equal(urls.forHost(undefined), undefined);
  const secure = new PublicUrls({ authorizedUris: [], secure: true }, ports);
  assert.equal(secure.forHost("localhost:8088")?.text, "https://localhost:8088");
});

test("authorized URIs: same host and scheme, else host and port, else host, else the first (configured text kept)", () => {
  const urls = new PublicUrls(
    {
      authorizedUris: [
        "https://flyte.example.com/",
        "http://flyte.example.com:30080",
        "http://other.example.com:30081",
        "http://localhost:30080",
      ],
      secure: false,
    },
    ports,
  );
  assert.equal(urls.forHost("flyte.example.com")?.text, "https://flyte.example.com/");
  assert.equal(urls.forHost("unknown.example.com")?.text, "https://flyte.example.com/");
  assert.equal(urls.forHost("localhost:30080")?.text, "http://localhost:30080");
  assert.equal(urls.forHost("other.example.com:1")?.text, "http://other.example.com:30081", "host only");
  assert.equal(urls.forHost(undefined)?.text, "https://flyte.example.com/");
  assert.throws(() => new PublicUrls({ authorizedUris: ["not a url"], secure: false }, ports), /authorizedUris/);
});

test("calls: x-forwarded-host first, then :authority; HTTP endpoints advertised on the HTTP port", () => {
  const urls = new PublicUrls({ authorizedUris: [], secure: false }, ports);
  const md = new Map([[":authority", ["admin.example.com:8089"]]]);
  assert.equal(urls.forCall(md)?.text, "https://admin.example.com:8089");
  assert.equal(urls.httpBaseForCall(md)?.text, "https://admin.example.com:8088");
  md.set("x-forwarded-host", ["gw.example.com"]);
  assert.equal(urls.forCall(md)?.text, "https://gw.example.com");
  assert.equal(urls.httpBaseForCall(md)?.text, "https://gw.example.com");
});

test("audiences: the request's URL, every authorized URI, and the same host on our other port", () => {
  const bare = new PublicUrls({ authorizedUris: [], secure: false }, ports);
  assert.deepEqual([...bare.audiencesFor("127.0.0.1:8089")].sort(), ["http://127.0.0.1:8088", "http://127.0.0.1:8089"]);
  const listed = new PublicUrls({ authorizedUris: ["https://a.example", "https://b.example"], secure: false }, ports);
  assert.deepEqual([...listed.audiencesFor("a.example")].sort(), ["https://a.example", "https://b.example"]);
});

test("endpoint paths replace the public URL's path", () => {
  const urls = new PublicUrls({ authorizedUris: ["https://x.example/flyte/"], secure: false }, ports);
  const base = urls.forHost("x.example");
  assert.ok(base);
  assert.equal(endpointUrl(base, "/oauth2/token"), "https://x.example/oauth2/token");
});
