/**
 * Abusive connections on the shared ports (issue 16 item 4): a silent
 * connection and a slowloris client are cut after
 * `server.readHeaderTimeoutSeconds`; huge HTTP headers (431) and huge gRPC
 * metadata are refused; a client that pipelines requests and never reads
 * does not stop the server answering others. Figures under load:
 * bench/connections.ts.
 */
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { startTestServer, type TestServer } from "./support/server.js";

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

/** Everything the server sends until it closes the connection. */
function untilClosed(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    s.setEncoding("latin1");
    s.on("data", (d: string) => {
      text += d;
    });
    s.on("error", () => undefined);
    s.on("close", () => resolve(text));
  });
}

describe("connection limits", () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer("sqlite", { server: { readHeaderTimeoutSeconds: 1 } });
  });
  after(() => s.close());

  test("a connection that sends nothing is closed after readHeaderTimeoutSeconds, on both ports", async () => {
    for (const port of [s.server.httpPort, s.server.grpcPort]) {
      const socket = await open(port);
      const started = Date.now();
      assert.equal(await untilClosed(socket), "");
      const waited = Date.now() - started;
      assert.ok(waited >= 900 && waited < 10_000, `closed after ${waited} ms`);
    }
  });

  test("headers dripped slower than readHeaderTimeoutSeconds get 408 and the connection closed", async () => {
    const socket = await open(s.server.grpcPort);
    const closed = untilClosed(socket);
    socket.write("GET /api/v1/version HTTP/1.1\r\nhost: x\r\n");
    const drip = setInterval(() => socket.writable && socket.write("x-drip: 1\r\n"), 200);
    try {
      assert.match(await closed, /^HTTP\/1\.1 408/);
    } finally {
      clearInterval(drip);
    }
  });

  test("huge HTTP headers are 431 and huge gRPC metadata is refused; the server goes on answering", async () => {
    const r = await fetch(`${s.httpBase}/api/v1/version`, { headers: { "x-big": "a".repeat(64 * 1024) } });
    assert.equal(r.status, 431);
    await assert.rejects(s.admin.getVersion({}, { "x-big": "a".repeat(256 * 1024) }));
    assert.ok((await s.admin.getVersion({})).controlPlaneVersion);
    assert.equal((await fetch(`${s.httpBase}/healthcheck`)).status, 200);
  });

  test("a client that pipelines requests and never reads does not hold up other clients", async () => {
    const hog = await open(s.server.httpPort);
    hog.on("error", () => undefined);
    hog.pause();
    hog.write("GET /metrics HTTP/1.1\r\nhost: x\r\n\r\n".repeat(500));
    try {
      for (let i = 0; i < 20; i++) {
        assert.equal((await fetch(`${s.httpBase}/api/v1/version`)).status, 200);
        await s.admin.getVersion({});
      }
    } finally {
      hog.destroy();
    }
  });
});
