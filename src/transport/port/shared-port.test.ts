import assert from "node:assert/strict";
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage } from "node:http";
import { connect, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import { protocolOf, SharedPorts } from "./shared-port.js";

const PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

test("the first bytes tell the protocol", () => {
  const cases: [string, "grpc" | "http" | undefined][] = [
    ["", undefined],
    ["P", undefined],
    ["PRI * HTTP/2.0", undefined],
    [PREFACE.slice(0, -1), undefined],
    [PREFACE, "grpc"],
    [`${PREFACE}\x00\x00\x12\x04`, "grpc"],
    ["POST /api/v1/projects HTTP/1.1\r\n", "http"],
    ["PUT / HTTP/1.1\r\n", "http"],
    ["PATCH / HTTP/1.1\r\n", "http"],
    ["GET / HTTP/1.1\r\n", "http"],
    ["PRI * HTTP/1.1\r\n", "http"],
    ["\x16\x03\x01", "http"],
  ];
  for (const [bytes, want] of cases)
    assert.equal(protocolOf(Buffer.from(bytes, "latin1")), want, JSON.stringify(bytes));
});

/** Reads an HTTP/1.1 response's head and body from a raw socket (the server sends `connection: close`). */
function readAll(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => {
      text += d;
    });
    socket.on("end", () => resolve(text));
    socket.on("error", reject);
  });
}

function healthCheck(port: number): Promise<number> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    "grpc.use_local_subchannel_pool": 1,
  });
  return new Promise((resolve, reject) => {
    // grpc.health.v1.HealthCheckRequest{} is empty; the response's field 1 is the status.
    client.makeUnaryRequest(
      "/grpc.health.v1.Health/Check",
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.alloc(0),
      (err, res) => {
        client.close();
        if (err) reject(err);
        else resolve((res as Buffer)[1] ?? -1);
      },
    );
  });
}

describe("SharedPorts", () => {
  let grpcServer: grpc.Server;
  let httpServer: HttpServer;
  let ports: SharedPorts;
  let portA = 0;
  let portB = 0;
  let slowRelease: (() => void) | undefined;

  before(async () => {
    grpcServer = new grpc.Server();
    new HealthImplementation({ "": "SERVING" }).addToServer(grpcServer);
    httpServer = createHttpServer(
      { headersTimeout: 500, connectionsCheckingInterval: 100 },
      async (req: IncomingMessage, res) => {
        let body = "";
        for await (const chunk of req) body += chunk;
        if (req.url === "/slow") await new Promise<void>((r) => (slowRelease = r));
        res.setHeader("content-type", "text/plain");
        res.end(`${req.method} ${req.url} ${body}`);
      },
    );
    ports = new SharedPorts({ grpc: grpcServer, http: httpServer, firstBytesTimeoutMs: 300 });
    portA = await ports.listen("127.0.0.1", 0);
    portB = await ports.listen("127.0.0.1", 0);
  });

  after(() => ports.shutdown(100));

  test("each port answers gRPC and HTTP, the same client on either", async () => {
    for (const port of [portA, portB]) {
      assert.equal(await healthCheck(port), 1, "SERVING");
      const res = await fetch(`http://127.0.0.1:${port}/x?y=1`, { method: "POST", body: "hello" });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "POST /x?y=1 hello");
    }
  });

  test("a request sent a byte at a time, starting like the preface, is HTTP", async () => {
    const socket = connect(portA, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    const response = readAll(socket);
    const request = "POST /bytes HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\nconnection: close\r\n\r\nabc";
    socket.setNoDelay(true);
    for (const ch of request) {
      socket.write(ch);
      await new Promise((r) => setTimeout(r, 1));
    }
    const text = await response;
    assert.match(text, /^HTTP\/1\.1 200/);
    assert.match(text, /POST \/bytes abc$/);
  });

  test("keep-alive and pipelined HTTP requests on one connection are all answered", async () => {
    const socket = connect(portB, "127.0.0.1");
    const response = readAll(socket);
    socket.write(
      "GET /one HTTP/1.1\r\nhost: x\r\n\r\nGET /two HTTP/1.1\r\nhost: x\r\n\r\nGET /three HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    );
    const text = await response;
    assert.deepEqual(text.match(/GET \/\w+ /g), ["GET /one ", "GET /two ", "GET /three "]);
  });

  test("a connection that says nothing is closed after the first-bytes timeout", async () => {
    const socket = connect(portA, "127.0.0.1");
    const started = Date.now();
    await new Promise((r) => socket.once("close", r));
    const waited = Date.now() - started;
    assert.ok(waited >= 250 && waited < 5000, `closed after ${waited} ms`);
    for (let i = 0; i < 100 && ports.connections().undecided > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(ports.connections().undecided, 0);
  });

  test("a client that sends its headers too slowly is cut off (node:http's header timeout still applies)", async () => {
    const socket = connect(portA, "127.0.0.1");
    const response = readAll(socket);
    socket.write("GET /slowloris HTTP/1.1\r\nhost: x\r\n");
    const drip = setInterval(() => socket.write("x-drip: 1\r\n"), 100);
    const started = Date.now();
    try {
      const text = await response;
      assert.match(text, /^HTTP\/1\.1 408/);
      assert.ok(Date.now() - started < 3000, `cut after ${Date.now() - started} ms`);
    } finally {
      clearInterval(drip);
    }
  });

  test("shutdown lets a request in progress finish, then refuses new connections", async () => {
    const inFlight = fetch(`http://127.0.0.1:${portA}/slow`);
    while (!slowRelease) await new Promise((r) => setTimeout(r, 5));
    const stopped = ports.shutdown(5000);
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(fetch(`http://127.0.0.1:${portB}/late`));
    slowRelease();
    const res = await inFlight;
    assert.equal(await res.text(), "GET /slow ");
    await stopped;
    assert.deepEqual(ports.connections(), { http: 0, undecided: 0 });
  });
});
