/**
 * How the server serves the console build over HTTP: deep links at
 * flyteconsole's URLs get the page (no-cache, ETag, 304), hashed assets are
 * immutable and compressed, a missing asset is 404 (never the page), paths
 * cannot leave the build directory, and without a build the answer says how
 * to make one.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { buildConsole } from "../scripts/build-console.js";
import { ConsoleFiles, defaultConsoleDir } from "../src/transport/http/console-routes.js";
import { describeEachDatabase } from "./support/server.js";

before(async () => {
  await buildConsole();
});

const DEEP_LINKS = [
  "/console",
  "/console/",
  "/console/projects",
  "/console/projects/flytesnacks/domains/development/executions/f1a2b3c4",
  "/console/projects/flytesnacks/executions?domain=development",
  "/console/projects/flytesnacks/workflows/flows.chain?domain=development",
  "/console/projects/flytesnacks/domains/development/workflows/flows.chain",
  "/console/projects/flytesnacks/domains/development/workflow/flows.chain/version/abc",
  "/console/projects/flytesnacks/domains/development/launch_plan/flows.chain/version/abc",
];

describeEachDatabase("console served by the HTTP gateway", (srv) => {
  test("deep links get the page, revalidated (no-cache) with an ETag", async () => {
    for (const path of DEEP_LINKS) {
      const res = await srv().http(path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get("content-type") ?? "", /^text\/html/, path);
      assert.equal(res.headers.get("cache-control"), "no-cache", path);
      assert.match(await res.text(), /<div id="root"><\/div>/, path);
    }
    const first = await srv().http("/console/projects");
    const etag = first.headers.get("etag") ?? "";
    await first.body?.cancel();
    const again = await srv().http("/console/projects", { headers: { "If-None-Match": etag } });
    assert.equal(again.status, 304);
  });

  test("hashed assets are immutable and compressed; a missing one is 404", async () => {
    const page = await (await srv().http("/console/projects")).text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(page)?.[1];
    assert.ok(script, "index.html references a hashed script");
    const res = await fetch(`${srv().httpBase}${script}`, { headers: { "Accept-Encoding": "gzip" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.match(res.headers.get("content-type") ?? "", /^text\/javascript/);
    assert.ok((await res.text()).length > 1000);
    const raw = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      const u = new URL(`${srv().httpBase}${script}`);
      import("node:http").then(({ get }) =>
        get(u, { headers: { "accept-encoding": "gzip" } }, (r) => {
          const chunks: Buffer[] = [];
          r.on("data", (c: Buffer) => chunks.push(c));
          r.on("end", () => resolve({ encoding: r.headers["content-encoding"], body: Buffer.concat(chunks) }));
        }).on("error", reject),
      );
    });
    assert.equal(raw.encoding, "gzip");
    assert.ok(gunzipSync(raw.body).length > raw.body.length);
    const missing = await srv().http("/console/assets/index-doesnotexist.js");
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  });

  test("paths cannot leave the build directory", async () => {
    for (const path of [
      "/console/..%2f..%2fpackage.json",
      "/console/%2e%2e/%2e%2e/package.json",
      "/console/assets/..%2f..%2f..%2fpackage.json",
    ]) {
      const res = await srv().http(path);
      const text = await res.text();
      assert.doesNotMatch(text, /"name": "flyteadmin-ts"/, path);
    }
  });
});

test("without a build the console answers 503 saying how to build it", async () => {
  const empty = mkdtempSync(join(tmpdir(), "console-none-"));
  const files = new ConsoleFiles(join(empty, "dist"));
  const server = createServer((req, res) => {
    void files.serve(req, res, (req.url ?? "/").replace(/^\/console\/?/, ""));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/console/projects`);
    assert.equal(res.status, 503);
    assert.match(await res.text(), /npm run build/);
    mkdirSync(join(empty, "dist", "assets"), { recursive: true });
    writeFileSync(join(empty, "dist", "index.html"), "<html>new build</html>");
    const built = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/console/projects`);
    assert.equal(await built.text(), "<html>new build</html>");
  } finally {
    server.close();
    rmSync(empty, { recursive: true, force: true });
  }
});

test("the build lives where the server looks for it", () => {
  assert.ok(readdirSync(join(defaultConsoleDir(), "assets")).some((f) => f.endsWith(".js")));
});
