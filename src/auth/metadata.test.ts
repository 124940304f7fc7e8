import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { fetchExternalMetadata, MetadataUnavailable, metadataFields } from "./metadata.js";

let server: Server;
let base = "";
let script: number[] = [];
let calls = 0;

before(async () => {
  server = createServer((_req, res) => {
    calls++;
    const status = script.shift() ?? 200;
    if (status !== 200) return res.writeHead(status).end("nope");
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        issuer: "https://idp",
        token_endpoint: "https://idp/token",
        jwks_uri: "https://idp/keys",
        grant_types_supported: ["client_credentials", 7],
        extra: "dropped",
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/meta`;
});
after(() => server.close());

test("retries while the provider answers 401..511, up to retryAttempts more times", async () => {
  script = [503, 404];
  calls = 0;
  const doc = await fetchExternalMetadata(base, 2, 1);
  assert.equal(calls, 3);
  assert.equal(doc.tokenEndpoint, "https://idp/token");
  script = [503, 503];
  calls = 0;
  await assert.rejects(
    fetchExternalMetadata(base, 1, 1),
    (e: Error) => e instanceof MetadataUnavailable && /status code 503/.test(e.message),
  );
  assert.equal(calls, 2);
});

test("other failures are not retried", async () => {
  script = [400];
  calls = 0;
  await assert.rejects(fetchExternalMetadata(base, 5, 1), /status code 400/);
  assert.equal(calls, 1);
  await assert.rejects(fetchExternalMetadata("http://127.0.0.1:1/none", 5, 1), MetadataUnavailable);
});

test("only the proto's fields are kept, values of the wrong type dropped", () => {
  const m = metadataFields({ issuer: "i", scopes_supported: ["all", 1], jwks_uri: 5, x: 1 });
  assert.deepEqual(Object.keys(m).length, 10);
  assert.equal(m.issuer, "i");
  assert.deepEqual(m.scopesSupported, ["all"]);
  assert.equal(m.jwksUri, "");
  assert.deepEqual(metadataFields(null).grantTypesSupported, []);
});
