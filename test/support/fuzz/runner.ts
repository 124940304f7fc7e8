/**
 * Drives the fuzz cases against a running server over both transports and
 * judges the answers: every answer must be a proper status (never UNKNOWN,
 * never INTERNAL or a 5xx for a malformed request, never a hang), and every
 * HTTP error must carry a google.rpc.Status body. Findings name the seed,
 * method, case number and mutation, so `bench/fuzz.ts --seed S --method M`
 * replays one.
 */
import { type DescMethod, type DescService, fromJson, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { typeRegistry } from "../../../src/proto/registry.js";
import { type GatewayRoute, gatewayRoutes } from "../../../src/transport/http/routes.js";
import type { TestServer } from "../server.js";
import {
  HOSTILE_FILTERS,
  HOSTILE_NUMBERS,
  HOSTILE_STRINGS,
  JSON_MUTATIONS,
  mutateBinary,
  toJsonText,
} from "./mutations.js";
import { Rng } from "./random.js";
import type { Json, JsonObject } from "./requests.js";
import { validRequests } from "./requests.js";

export interface FuzzOptions {
  readonly seed: number;
  /** Cases per method and transport. */
  readonly casesPerMethod: number;
  /** Requests in flight at once. */
  readonly concurrency?: number;
  /** Only methods whose `Service/Method` name contains this. */
  readonly methodFilter?: string;
  /** Bytes of the oversized bodies (a little over the server's 4 MiB message limit). */
  readonly oversizedBytes?: number;
}

export interface Finding {
  readonly transport: "grpc" | "http";
  readonly method: string;
  readonly caseNo: number;
  readonly mutation: string;
  readonly outcome: string;
}

export interface FuzzReport {
  readonly sent: { grpc: number; http: number };
  /** Answers by status: gRPC code names and HTTP statuses. */
  readonly answers: { grpc: Map<string, number>; http: Map<number, number> };
  readonly findings: Finding[];
}

const GRPC_FORBIDDEN = new Set([
  grpc.status.UNKNOWN,
  grpc.status.INTERNAL,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.UNAVAILABLE,
  grpc.status.CANCELLED,
  grpc.status.DATA_LOSS,
]);
const CALL_DEADLINE_MS = 30_000;

/** Runs `opts.casesPerMethod` cases of every served method over gRPC and HTTP. */
export async function fuzzServer(
  srv: TestServer,
  services: readonly DescService[],
  opts: FuzzOptions,
): Promise<FuzzReport> {
  const report: FuzzReport = {
    sent: { grpc: 0, http: 0 },
    answers: { grpc: new Map(), http: new Map() },
    findings: [],
  };
  const valid = validRequests(services);
  const routes = new Map<DescMethod, GatewayRoute[]>();
  for (const r of gatewayRoutes(services)) routes.set(r.method, [...(routes.get(r.method) ?? []), r]);
  const client = new grpc.Client(srv.grpcAddress, grpc.credentials.createInsecure(), {
    "grpc.max_receive_message_length": 64 * 1024 * 1024,
    "grpc.max_send_message_length": -1,
  });
  const jobs: (() => Promise<void>)[] = [];
  for (const [method, request] of valid) {
    const label = `${method.parent.name}/${method.name}`;
    if (opts.methodFilter && !label.includes(opts.methodFilter)) continue;
    for (let i = 0; i < opts.casesPerMethod; i++) {
      jobs.push(async () => {
        const c = grpcCase(method, request, Rng.for(opts.seed, `grpc ${label} ${i}`), opts);
        if (process.env.FUZZ_DEBUG) console.log(`grpc ${label} ${i} ${c.name}`);
        const outcome = await callGrpc(client, method, c.bytes, c.metadata);
        report.sent.grpc++;
        const name = grpc.status[outcome.code] ?? String(outcome.code);
        report.answers.grpc.set(name, (report.answers.grpc.get(name) ?? 0) + 1);
        if (GRPC_FORBIDDEN.has(outcome.code)) {
          report.findings.push({
            transport: "grpc",
            method: label,
            caseNo: i,
            mutation: c.name,
            outcome: `${name}: ${outcome.details.slice(0, 300)}`,
          });
        }
      });
      const methodRoutes = routes.get(method);
      if (!methodRoutes) continue;
      jobs.push(async () => {
        const rng = Rng.for(opts.seed, `http ${label} ${i}`);
        const c = httpCase(rng.pick(methodRoutes), request, rng, opts);
        if (process.env.FUZZ_DEBUG) console.log(`http ${label} ${i} ${c.name} ${c.verb} ${c.path.slice(0, 120)}`);
        const outcome = await callHttp(srv.httpBase, c);
        report.sent.http++;
        report.answers.http.set(outcome.status, (report.answers.http.get(outcome.status) ?? 0) + 1);
        const problem = judgeHttp(outcome);
        if (problem) {
          report.findings.push({
            transport: "http",
            method: label,
            caseNo: i,
            mutation: c.name,
            outcome: `${outcome.status} ${problem}: ${outcome.body.slice(0, 300)}`,
          });
        }
      });
    }
  }
  await runPool(jobs, opts.concurrency ?? 6);
  client.close();
  return report;
}

async function runPool(jobs: (() => Promise<void>)[], width: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const n = next++;
        const started = Date.now();
        await (jobs[n] as () => Promise<void>)();
        if (process.env.FUZZ_DEBUG && Date.now() - started > 2000)
          console.log(`slow case ${n}: ${Date.now() - started} ms`);
      }
    }),
  );
}

interface GrpcCase {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly metadata: Record<string, string>;
}

function encodeJson(method: DescMethod, json: Json): Uint8Array | undefined {
  try {
    return toBinary(method.input, fromJson(method.input, json, { registry: typeRegistry, ignoreUnknownFields: true }));
  } catch {
    return undefined;
  }
}

function grpcCase(method: DescMethod, request: JsonObject, rng: Rng, opts: FuzzOptions): GrpcCase {
  const valid = encodeJson(method, request) ?? new Uint8Array();
  const metadata: Record<string, string> = {};
  if (rng.chance(0.1)) metadata["x-request-id"] = rng.pick(HOSTILE_STRINGS).replace(/[^\x20-\x7e]/g, "?") || "r";
  if (rng.chance(0.05)) metadata.authorization = rng.pick(["Bearer x", "Basic", "Bearer " + "a".repeat(8000)]);
  if (rng.chance(0.01))
    return { name: "oversized", bytes: Buffer.alloc(opts.oversizedBytes ?? 4 * 1024 * 1024 + 100, 0x0a), metadata };
  if (rng.chance(0.6)) {
    // Mutations whose JSON no longer parses as the message fall back to a binary mutation.
    const mutation = rng.pick(JSON_MUTATIONS);
    const bytes = encodeJson(method, mutation.apply(request, rng));
    if (bytes) return { name: `json:${mutation.name}`, bytes, metadata };
  }
  const b = mutateBinary(valid, rng);
  return { name: `binary:${b.name}`, bytes: b.bytes, metadata };
}

function callGrpc(
  client: grpc.Client,
  method: DescMethod,
  bytes: Uint8Array,
  md: Record<string, string>,
): Promise<{ code: number; details: string }> {
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(md)) metadata.set(k, v);
  const identity = (b: Buffer) => b;
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      `/${method.parent.typeName}/${method.name}`,
      identity,
      identity,
      Buffer.from(bytes),
      metadata,
      { deadline: Date.now() + CALL_DEADLINE_MS },
      (err: grpc.ServiceError | null) =>
        resolve(err ? { code: err.code, details: err.details } : { code: 0, details: "" }),
    );
  });
}

interface HttpCase {
  readonly name: string;
  readonly verb: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array | string | undefined;
}

function getPath(json: Json, path: string): Json | undefined {
  let node: Json | undefined = json;
  for (const part of path.split(".")) {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
    node = (node as JsonObject)[part];
  }
  return node;
}

/** Query parameters for the fields of `json` not bound by the path, by dotted name. */
function flatten(json: Json, prefix: string, skip: ReadonlySet<string>, out: [string, string][]): void {
  if (json === null || typeof json !== "object") {
    if (prefix && !skip.has(prefix) && json !== null) out.push([prefix, String(json)]);
    return;
  }
  if (Array.isArray(json)) {
    for (const v of json) if (v === null || typeof v !== "object") out.push([prefix, String(v)]);
    return;
  }
  for (const [k, v] of Object.entries(json)) flatten(v as Json, prefix ? `${prefix}.${k}` : k, skip, out);
}

const WRONG_CONTENT_TYPES = [
  "text/plain",
  "application/xml",
  "multipart/form-data; boundary=x",
  "application/x-www-form-urlencoded",
  "application/json; charset=utf-16",
  "application/grpc",
  "*/*",
  "",
];

const GARBAGE_BODIES: readonly (string | Uint8Array)[] = [
  "{",
  '{"a":',
  "[",
  "nul",
  '{"project": "x"',
  "\u0000\u0000",
  Buffer.from([0xff, 0xfe, 0xfd, 0x80, 0x81]),
  Buffer.from([0xc3, 0x28, 0xa0, 0xa1]),
  `${"[".repeat(100_000)}${"]".repeat(100_000)}`,
  `${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}`,
  '{"__proto__": {"polluted": true}}',
  '{"a": 1, "a": 2}',
  "1e99999",
];

/** Already-encoded path segments: invalid UTF-8, encoded NUL and slashes, dot segments. */
const ENCODED_SEGMENTS = [
  "%FF%FE",
  "%C3%28",
  "%00",
  "%2F",
  "%2e%2e",
  "..%2F..%2F",
  "%",
  "%zz",
  "%E0%80%AF",
  ";",
  "a;b=c",
];

/** Percent-encodes the UTF-8 bytes of `s` (lone surrogates become U+FFFD); `keepSlash` leaves "/" raw. */
function percentEncode(s: string, keepSlash: boolean): string {
  let out = "";
  for (const byte of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(byte);
    out +=
      /[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === "/")
        ? c
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

const QUERY_KEYS = [
  "limit",
  "token",
  "filters",
  "sort_by.key",
  "sort_by.direction",
  "id.project",
  "id.name",
  "zzz",
  "a[b]",
  "__proto__.x",
  "sort_by",
  "limit.x",
];

function httpCase(route: GatewayRoute, request: JsonObject, rng: Rng, opts: FuzzOptions): HttpCase {
  let name: string;
  let json: Json = request;
  const roll = rng.next();
  if (roll < 0.6) {
    const m = rng.pick(JSON_MUTATIONS);
    json = m.apply(request, rng);
    name = `json:${m.name}`;
  } else name = "valid-json";
  const bound = new Set(route.variables.map((v) => v.fieldPath));
  let pathJunk: string | undefined;
  let pathJunkAt = -1;
  if (roll >= 0.9 && route.variables.length > 0) {
    pathJunkAt = rng.int(route.variables.length);
    pathJunk = rng.pick(HOSTILE_STRINGS);
    name = "path-param";
  }
  let i = 0;
  const path = route.template.replace(/\{([^}=]+)(=[^}]*)?\}/g, (_, fieldPath: string) => {
    const at = i++;
    if (at === pathJunkAt && pathJunk !== undefined) {
      // Encoded, or raw where a URL can carry it (a raw "/" changes which route matches).
      return rng.chance(0.3) ? rng.pick(ENCODED_SEGMENTS) : percentEncode(pathJunk, rng.chance(0.5));
    }
    const v = getPath(json, fieldPath);
    return percentEncode(v === undefined || v === null ? "" : typeof v === "object" ? toJsonText(v) : String(v), false);
  });
  const headers: Record<string, string> = {
    Accept: rng.chance(0.85) ? "application/json" : "application/octet-stream",
  };
  let body: Uint8Array | string | undefined;
  const query: [string, string][] = [];
  if (route.body === "") {
    flatten(json, "", bound, query);
    if (roll >= 0.75 && roll < 0.9) {
      name = "query-junk";
      for (let k = 0; k < 1 + rng.int(4); k++) {
        const values: readonly Json[] = [...HOSTILE_STRINGS, ...HOSTILE_FILTERS, ...HOSTILE_NUMBERS];
        query.push([rng.pick(QUERY_KEYS), String(rng.pick(values))]);
      }
    }
  } else {
    const payload = route.body === "*" ? json : (getPath(json, route.body) ?? {});
    headers["Content-Type"] = "application/json";
    body = toJsonText(payload);
    if (roll >= 0.6 && roll < 0.7) {
      name = "binary-body";
      headers["Content-Type"] = "application/octet-stream";
      const bodyDesc = route.bodyField?.message ?? route.method.input;
      const valid = encodeJson(route.method, request);
      const b = mutateBinary(valid ?? new Uint8Array(), rng);
      body = rng.chance(0.3) && valid && bodyDesc === route.method.input ? valid : b.bytes;
    } else if (roll >= 0.7 && roll < 0.8) {
      name = "content-type";
      headers["Content-Type"] = rng.pick(WRONG_CONTENT_TYPES);
      if (headers["Content-Type"] === "") delete headers["Content-Type"];
    } else if (roll >= 0.8 && roll < 0.9) {
      name = "garbage-body";
      body = rng.pick(GARBAGE_BODIES);
    }
    if (rng.chance(0.01)) {
      name = "oversized";
      body = `{"x":"${"o".repeat(opts.oversizedBytes ?? 4 * 1024 * 1024 + 100)}"}`;
    }
  }
  const qs = query.length > 0 ? `?${new URLSearchParams(query).toString()}` : "";
  return { name, verb: route.verb, path: path + qs, headers, body };
}

interface HttpOutcome {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

async function callHttp(base: string, c: HttpCase): Promise<HttpOutcome> {
  try {
    const res = await fetch(`${base}${c.path}`, {
      method: c.verb,
      headers: c.headers,
      body: c.body,
      signal: AbortSignal.timeout(CALL_DEADLINE_MS),
    });
    const text = await res.text();
    return { status: res.status, contentType: res.headers.get("content-type") ?? "", body: text };
  } catch (err) {
    // A reset connection or a hang is a finding too (status 0).
    return {
      status: 0,
      contentType: "",
      body: `${(err as Error).name}: ${(err as Error).message} ${String((err as { cause?: unknown }).cause ?? "")}`,
    };
  }
}

function judgeHttp(o: HttpOutcome): string | undefined {
  if (o.status === 0) return "no answer";
  if (o.status >= 500 && o.status !== 501) return "server error";
  if (o.status >= 400 && o.status !== 404 && o.status !== 405 && o.contentType.includes("json")) {
    try {
      const parsed = JSON.parse(o.body) as { code?: unknown; message?: unknown };
      if (typeof parsed.code !== "number" || typeof parsed.message !== "string") return "error body is not a Status";
      if (parsed.code === 2 || parsed.code === 13) return "UNKNOWN/INTERNAL status";
    } catch {
      return "error body is not JSON";
    }
  }
  return undefined;
}
