/**
 * The HTTP gateway as grpc-gateway v2 behaves in FlyteAdmin v1.16
 * (transport-auth.md §2): every route of the descriptors, the three
 * marshalers, binding rules, Status error bodies, CORS and the operational
 * routes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code } from "../src/errors/codes.js";
import { ProjectRegisterRequestSchema, ProjectsSchema } from "../src/proto/gen/flyteidl/admin/project_pb.js";
import { GetVersionResponseSchema } from "../src/proto/gen/flyteidl/admin/version_pb.js";
import { StatusSchema } from "../src/proto/gen/google/rpc/status_pb.js";
import { servedServices } from "../src/proto/registry.js";
import { gatewayRoutes } from "../src/transport/http/routes.js";
import { httpError } from "./support/assertions.js";
import { describeEachDatabase, startTestServer } from "./support/server.js";

const JSON_ACCEPT = { Accept: "application/json" };

/** A concrete path for a route template, with a plausible value per variable. */
function samplePath(template: string, fieldKinds: string[]): string {
  let i = 0;
  return template.replace(/\{[^}]+\}/g, () => {
    const kind = fieldKinds[i++];
    return kind === "enum" ? "1" : kind === "number" ? "0" : "x";
  });
}

describeEachDatabase("HTTP gateway", (srv) => {
  test("every HTTP rule of the served services is routed (69 bindings, additional_bindings included)", async () => {
    const routes = gatewayRoutes(servedServices);
    assert.equal(
      routes.length,
      69,
      "the 1.16.5 protos declare 69 HTTP bindings (70 RPC rows, GetOrCreateSignal has none)",
    );
    const unrouted: string[] = [];
    for (const r of routes) {
      const kinds = r.variables.map((v) => {
        const f = v.fields[v.fields.length - 1];
        return f?.fieldKind === "enum" ? "enum" : f?.fieldKind === "scalar" && f.scalar !== 9 ? "number" : "string";
      });
      const path = samplePath(r.template, kinds);
      const init: RequestInit = { method: r.verb, headers: { "Content-Type": "application/json", ...JSON_ACCEPT } };
      if (r.body) init.body = "{}";
      const res = await srv().http(path, init);
      const body = res.headers.get("content-type")?.includes("json")
        ? ((await res.json()) as { message?: string })
        : {};
      // The router's own misses say exactly "Not Found" / "Method Not Allowed"; handler errors say more.
      if (body.message === "Not Found" || body.message === "Method Not Allowed") unrouted.push(`${r.verb} ${path}`);
    }
    assert.deepEqual(unrouted, []);
  });

  test("application/json answers with proto field names and every field emitted", async () => {
    const res = await srv().http("/api/v1/domains", { headers: JSON_ACCEPT });
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.deepEqual(await res.json(), {
      domains: [
        { id: "development", name: "development" },
        { id: "staging", name: "staging" },
        { id: "production", name: "production" },
      ],
    });
    const v = (await (await srv().http("/api/v1/version", { headers: JSON_ACCEPT })).json()) as Record<string, unknown>;
    assert.ok("control_plane_version" in v);
  });

  test("without a registered Accept or Content-Type the default marshaler uses lowerCamel names", async () => {
    const v = (await (await srv().http("/api/v1/version")).json()) as Record<string, unknown>;
    assert.ok("controlPlaneVersion" in v, JSON.stringify(v));
    const odd = await srv().http("/api/v1/version", { headers: { Accept: "application/json, text/plain, */*" } });
    assert.ok("controlPlaneVersion" in ((await odd.json()) as object), "Accept must match exactly");
    const ct = await srv().http("/api/v1/version", { headers: { "Content-Type": "application/json; charset=utf-8" } });
    assert.ok("control_plane_version" in ((await ct.json()) as object), "Content-Type media type picks the marshaler");
  });

  test("application/octet-stream is binary protobuf in and out (the console's codec)", async () => {
    const { http, admin } = srv();
    const body = toBinary(
      ProjectRegisterRequestSchema,
      create(ProjectRegisterRequestSchema, { project: { id: "bin-proj", name: "Binary" } }),
    );
    let res = await http("/api/v1/projects", {
      method: "POST",
      headers: { "Content-Type": "application/octet-stream", Accept: "application/octet-stream" },
      body,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/octet-stream");
    assert.equal((await admin.getProject({ id: "bin-proj" })).name, "Binary");
    res = await http("/api/v1/projects?filters=eq(identifier%2Cbin-proj)", {
      headers: { Accept: "application/octet-stream" },
    });
    const list = fromBinary(ProjectsSchema, new Uint8Array(await res.arrayBuffer()));
    assert.equal(list.projects[0]?.name, "Binary");
    res = await http("/api/v1/version", { headers: { Accept: "application/octet-stream" } });
    assert.ok(fromBinary(GetVersionResponseSchema, new Uint8Array(await res.arrayBuffer())).controlPlaneVersion);
    // Errors are binary google.rpc.Status too: field 1 the code, field 2 the message.
    res = await http("/api/v1/projects/missing-proj", { headers: { Accept: "application/octet-stream" } });
    assert.equal(res.status, 404);
    const status = fromBinary(StatusSchema, new Uint8Array(await res.arrayBuffer()));
    assert.equal(status.code, Code.NOT_FOUND);
    assert.equal(status.message, "project [missing-proj] not found");
  });

  test("JSON request bodies: unknown fields refused with application/json, ignored otherwise; malformed is 400", async () => {
    const { http } = srv();
    await httpError(
      await http("/api/v1/projects", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ project: { id: "uf", name: "x" }, bogus: 1 }),
      }),
      400,
      Code.INVALID_ARGUMENT,
      /bogus/,
    );
    const lenient = await http("/api/v1/projects", {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: JSON.stringify({ project: { id: "uf2", name: "x" }, bogus: 1 }),
    });
    assert.equal(lenient.status, 200);
    const camel = await http("/api/v1/projects", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ project: { id: "uf3", name: "x", description: "d" } }),
    });
    assert.equal(camel.status, 200);
    for (const bad of ["{not json", "[]", '{"project": 5}', '{"project":{"state":"NOPE"}}']) {
      await httpError(
        await http("/api/v1/projects", { method: "POST", headers: { "Content-Type": "application/json" }, body: bad }),
        400,
        Code.INVALID_ARGUMENT,
      );
    }
    await httpError(
      await http("/api/v1/projects", {
        method: "POST",
        headers: { "Content-Type": "application/octet-stream", Accept: "application/json" },
        body: new Uint8Array([0xff, 0xff, 0xff, 0xff]),
      }),
      400,
      Code.INVALID_ARGUMENT,
    );
    const empty = await http("/api/v1/projects", { method: "POST", headers: { "Content-Type": "application/json" } });
    await httpError(empty, 400, Code.INVALID_ARGUMENT, "missing project");
  });

  test("path values override body values", async () => {
    const { http, admin } = srv();
    await admin.registerProject({ project: { id: "path-wins", name: "orig" } });
    const res = await http("/api/v1/projects/path-wins", {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ id: "someone-else", name: "renamed" }),
    });
    assert.equal(res.status, 200);
    assert.equal((await admin.getProject({ id: "path-wins" })).name, "renamed");
  });

  test("query parameters bind nested fields by proto or json name, enums by name or number", async () => {
    const { http, admin } = srv();
    for (const id of ["q-a", "q-b", "q-c"]) await admin.registerProject({ project: { id, name: id } });
    const ids = async (qs: string) => {
      const res = await http(`/api/v1/projects?filters=contains(identifier%2Cq-)&${qs}`, { headers: JSON_ACCEPT });
      assert.equal(res.status, 200, qs);
      return ((await res.json()) as { projects: { id: string }[] }).projects.map((p) => p.id);
    };
    assert.deepEqual(await ids("sort_by.key=identifier&sort_by.direction=DESCENDING"), ["q-c", "q-b", "q-a"]);
    assert.deepEqual(await ids("sortBy.key=identifier&sortBy.direction=1"), ["q-a", "q-b", "q-c"]);
    assert.deepEqual(await ids("limit=1&token=1&sort_by.key=identifier&sort_by.direction=ASCENDING"), ["q-b"]);
    assert.deepEqual(await ids("unknown.key=1&sort_by.key=identifier&sort_by.direction=ASCENDING"), [
      "q-a",
      "q-b",
      "q-c",
    ]);
    await httpError(
      await http("/api/v1/projects?limit=abc", { headers: JSON_ACCEPT }),
      400,
      Code.INVALID_ARGUMENT,
      /limit/,
    );
    await httpError(
      await http("/api/v1/projects?limit=1&limit=2", { headers: JSON_ACCEPT }),
      400,
      Code.INVALID_ARGUMENT,
      /too many values/,
    );
    await httpError(
      await http("/api/v1/projects?sort_by.direction=SIDEWAYS", { headers: JSON_ACCEPT }),
      400,
      Code.INVALID_ARGUMENT,
      /SIDEWAYS/,
    );
    // A raw `+` is a space in a query string; FlyteAdmin's filter separator must be sent as %2B.
    const joined = await http("/api/v1/projects?filters=contains(identifier%2Cq-)%2Bne(identifier%2Cq-a)", {
      headers: JSON_ACCEPT,
    });
    assert.deepEqual(((await joined.json()) as { projects: { id: string }[] }).projects.map((p) => p.id).sort(), [
      "q-b",
      "q-c",
    ]);
  });

  test("enum path parameters accept names and numbers", async () => {
    const { http } = srv();
    const byName = await http("/api/v1/named_entities/TASK/p/d?limit=1", { headers: JSON_ACCEPT });
    const byNumber = await http("/api/v1/named_entities/1/p/d?limit=1", { headers: JSON_ACCEPT });
    assert.equal(byName.status, byNumber.status);
    const bad = await http("/api/v1/named_entities/NOT_A_TYPE/p/d?limit=1", { headers: JSON_ACCEPT });
    await httpError(bad, 400, Code.INVALID_ARGUMENT, /type mismatch, parameter: resource_type/);
  });

  test("routing errors are Status bodies: unknown path 404, wrong method 501", async () => {
    const { http } = srv();
    const nf = await httpError(await http("/api/v1/nope", { headers: JSON_ACCEPT }), 404, Code.NOT_FOUND, "Not Found");
    assert.deepEqual(nf.details, []);
    await httpError(await http("/api/v1/version", { method: "DELETE" }), 501, Code.UNIMPLEMENTED, "Method Not Allowed");
    await httpError(await http("/login"), 404, Code.NOT_FOUND, "Not Found");
  });

  test("a form POST to a GET-only path is served as the GET (grpc-gateway's long-query fallback)", async () => {
    const res = await srv().http("/api/v1/projects", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", ...JSON_ACCEPT },
      body: "limit=1&sort_by.key=identifier",
    });
    // POST /api/v1/projects is RegisterProject, so the fallback does not apply there; GetDomains is GET-only.
    assert.equal(res.status, 400);
    const domains = await srv().http("/api/v1/domains", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", ...JSON_ACCEPT },
      body: "",
    });
    assert.equal(domains.status, 200);
    assert.equal(((await domains.json()) as { domains: unknown[] }).domains.length, 3);
  });

  test("operational routes: /healthcheck on any method, /metrics counts both transports, /api/v1/openapi", async () => {
    const { http, admin } = srv();
    for (const method of ["GET", "POST", "HEAD"]) {
      const res = await http("/healthcheck", { method });
      assert.equal(res.status, 200, method);
    }
    await admin.getVersion({});
    await http("/api/v1/version");
    await http("/api/v1/projects/nowhere");
    const metrics = await (await http("/metrics")).text();
    assert.match(
      metrics,
      /flyteadmin_rpc_requests_total\{transport="grpc",service="flyteidl.service.AdminService",method="GetVersion",code="OK"\} \d+/,
    );
    assert.match(
      metrics,
      /flyteadmin_rpc_requests_total\{transport="http",service="flyteidl.service.AdminService",method="GetVersion",code="OK"\} \d+/,
    );
    assert.match(
      metrics,
      /flyteadmin_rpc_requests_total\{transport="http",service="flyteidl.service.AdminService",method="GetProject",code="NOT_FOUND"\} \d+/,
    );
    assert.match(metrics, /flyteadmin_rpc_duration_seconds_bucket\{/);
    assert.match(
      metrics,
      /grpc_server_handled_total\{grpc_type="unary",grpc_service="flyteidl.service.AdminService",grpc_method="GetVersion",grpc_code="OK"\}/,
    );
    const openapi = (await (await http("/api/v1/openapi")).json()) as {
      swagger: string;
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    assert.equal(openapi.swagger, "2.0");
    assert.equal(openapi.paths["/api/v1/tasks"]?.post?.operationId, "AdminService_CreateTask");
    assert.ok(openapi.paths["/api/v1/executions/{id.project}/{id.domain}/{id.name}"]?.delete);
    const pathCount = Object.values(openapi.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    assert.equal(pathCount, 69);
  });

  test("CORS: preflights answered as gorilla/handlers does", async () => {
    const { http } = srv();
    const origin = { Origin: "https://console.example.com" };
    let res = await http("/api/v1/projects", {
      method: "OPTIONS",
      headers: {
        ...origin,
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "flyte-authorization, content-type",
      },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.equal(res.headers.get("access-control-allow-credentials"), "true");
    assert.equal(res.headers.get("access-control-allow-methods"), "PUT");
    assert.equal(res.headers.get("access-control-allow-headers"), "Flyte-Authorization,Content-Type");
    res = await http("/api/v1/projects", { method: "OPTIONS", headers: origin });
    assert.equal(res.status, 400, "preflight without Access-Control-Request-Method");
    res = await http("/api/v1/projects", {
      method: "OPTIONS",
      headers: { ...origin, "Access-Control-Request-Method": "TRACE" },
    });
    assert.equal(res.status, 405);
    res = await http("/api/v1/projects", {
      method: "OPTIONS",
      headers: { ...origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization" },
    });
    assert.equal(res.status, 403, "Authorization is not an allowed header by default");
    res = await http("/api/v1/domains", { headers: origin });
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    res = await http("/api/v1/domains");
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    res = await http("/api/v1/domains", { method: "OPTIONS" });
    assert.equal(res.status, 200, "OPTIONS without Origin never reaches the router");
  });
});

test("CORS with an origin list echoes the origin, adds Vary, and can be turned off", async () => {
  const listed = await startTestServer("sqlite", {
    server: { security: { allowedOrigins: ["https://a.example", "https://b.example"] } },
  });
  try {
    let res = await listed.http("/api/v1/domains", { headers: { Origin: "https://b.example" } });
    assert.equal(res.headers.get("access-control-allow-origin"), "https://b.example");
    assert.equal(res.headers.get("vary"), "Origin");
    res = await listed.http("/api/v1/domains", { headers: { Origin: "https://evil.example" } });
    assert.equal(res.headers.get("access-control-allow-origin"), null);
  } finally {
    await listed.close();
  }
  const off = await startTestServer("sqlite", { server: { security: { allowCors: false } } });
  try {
    const res = await off.http("/api/v1/domains", { headers: { Origin: "https://a.example" } });
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    const pre = await off.http("/api/v1/domains", {
      method: "OPTIONS",
      headers: { Origin: "https://a.example", "Access-Control-Request-Method": "GET" },
    });
    assert.equal(pre.status, 501, "without the CORS wrapper OPTIONS reaches the router");
  } finally {
    await off.close();
  }
});

test("request bodies above the message size limit are refused without reading them all", async () => {
  const small = await startTestServer("sqlite", { server: { grpc: { maxMessageSizeBytes: 1024 } } });
  try {
    const res = await small.http("/api/v1/projects", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ project: { id: "big", name: "x".repeat(4096) } }),
    });
    await httpError(res, 429, Code.RESOURCE_EXHAUSTED, /larger than the limit of 1024 bytes/);
  } finally {
    await small.close();
  }
});
