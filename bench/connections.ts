/**
 * Connections and resources (issue 16 item 4): a server process holding many
 * idle HTTP keep-alive and gRPC (HTTP/2) connections, slowloris clients that
 * drip their headers, clients that pipeline requests and never read the
 * answers, and requests with huge headers, while one well-behaved client
 * calls GetVersion over gRPC and HTTP. Prints that client's latencies and the
 * server's memory before and during the abuse.
 *
 * Run: `npx tsx bench/connections.ts [--idle 1000] [--slow 50] [--unread 20] [--seconds 5] [--workers 1]`
 */

import { readFileSync } from "node:fs";
import { type ClientHttp2Session, connect as connectHttp2 } from "node:http2";
import { connect, type Socket } from "node:net";
import { AdminService } from "../src/proto/gen/flyteidl/service/admin_pb.js";
import { grpcClient } from "../test/support/grpc-client.js";
import { numberArg, printTable, round, startServerProcess, summarize, writeResult } from "./support/harness.js";

const IDLE = numberArg("idle", 1000);
const SLOW = numberArg("slow", 50);
const UNREAD = numberArg("unread", 20);
const seconds = numberArg("seconds", 5);

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024, 1);
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

/** The well-behaved client: sequential calls for `seconds`, latencies in ms. */
async function probe(call: () => Promise<unknown>): Promise<{ p50: number; p99: number; errors: number; n: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const t = process.hrtime.bigint();
    try {
      await call();
    } catch {
      errors++;
    }
    latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const s = summarize(latencies, errors, seconds);
  return { p50: s.p50ms, p99: s.p99ms, errors, n: s.requests };
}

const server = await startServerProcess("sqlite", { server: { workers: numberArg("workers", 1) } });
if (!server) throw new Error("server did not start");
const port = Number(server.httpBase.split(":").pop());
const admin = grpcClient(AdminService, server.grpcAddress, { "grpc.use_local_subchannel_pool": 1 });
const httpCall = async () => {
  const r = await fetch(`${server.httpBase}/api/v1/version`);
  await r.arrayBuffer();
  if (!r.ok) throw new Error(String(r.status));
};
const rows: Record<string, string | number>[] = [];
const row = async (phase: string) => {
  const g = await probe(() => admin.getVersion({}));
  const h = await probe(httpCall);
  rows.push({
    phase,
    "grpc p50 ms": g.p50,
    "grpc p99 ms": g.p99,
    "http p50 ms": h.p50,
    "http p99 ms": h.p99,
    errors: g.errors + h.errors,
    "server RSS MiB": rssMiB(server.pid),
  });
};
const sockets: Socket[] = [];
const sessions: ClientHttp2Session[] = [];
const timers: NodeJS.Timeout[] = [];
try {
  await row("quiet");
  // Idle HTTP keep-alive connections (one request each, then nothing) and idle gRPC (HTTP/2) sessions.
  for (let i = 0; i < IDLE; i++) {
    const s = await open(port);
    s.on("data", () => undefined);
    s.on("error", () => undefined);
    s.write("GET /healthcheck HTTP/1.1\r\nhost: x\r\n\r\n");
    sockets.push(s);
    const h2 = connectHttp2(server.httpBase);
    h2.on("error", () => undefined);
    sessions.push(h2);
  }
  // Slowloris: headers dripped one line a second, never finished.
  for (let i = 0; i < SLOW; i++) {
    const s = await open(port);
    s.on("error", () => undefined);
    s.write("GET /api/v1/version HTTP/1.1\r\nhost: x\r\n");
    timers.push(setInterval(() => s.writable && s.write(`x-drip-${i}: 1\r\n`), 1000));
    sockets.push(s);
  }
  // Clients that pipeline many requests for a large answer and never read.
  for (let i = 0; i < UNREAD; i++) {
    const s = await open(port);
    s.on("error", () => undefined);
    s.pause();
    s.write("GET /metrics HTTP/1.1\r\nhost: x\r\n\r\n".repeat(200));
    sockets.push(s);
  }
  // Huge headers (refused with 431) and huge gRPC metadata (refused).
  let refused = 0;
  for (let i = 0; i < 20; i++) {
    const r = await fetch(`${server.httpBase}/api/v1/version`, { headers: { "x-big": "a".repeat(64 * 1024) } });
    if (r.status === 431) refused++;
    await admin.getVersion({}, { "x-big": "a".repeat(256 * 1024) }).catch(() => refused++);
  }
  await row(`${IDLE} idle HTTP + ${IDLE} idle gRPC, ${SLOW} slowloris, ${UNREAD} never reading`);
  printTable(`connections: ${seconds}s of sequential GetVersion per transport in each phase`, rows);
  console.log(`huge headers / metadata refused: ${refused} of 40`);
  const open_ = sockets.filter((s) => !s.destroyed).length;
  console.log(`raw connections still open at the end: ${open_} of ${sockets.length} (slowloris ones are cut)`);
  console.log(`\nwritten to ${writeResult("connections", { idle: IDLE, slow: SLOW, unread: UNREAD, rows, refused })}`);
} finally {
  for (const t of timers) clearInterval(t);
  for (const s of sockets) s.destroy();
  for (const h of sessions) h.destroy();
  admin.close();
  await server.stop();
}
