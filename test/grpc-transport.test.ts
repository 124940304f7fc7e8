/**
 * The gRPC transport (transport-auth.md §1.3): every method registered from
 * the descriptors, health, reflection, status codes and message limits.
 */
import assert from "node:assert/strict";
import { connect as connectHttp2 } from "node:http2";
import { test } from "node:test";
import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import * as grpc from "@grpc/grpc-js";
import { Code } from "../src/errors/codes.js";
import { AdminService } from "../src/proto/gen/flyteidl/service/admin_pb.js";
import { servedServices } from "../src/proto/registry.js";
import { rejectsWith } from "./support/assertions.js";
import { grpcClient } from "./support/grpc-client.js";
import { describeEachDatabase, startTestServer } from "./support/server.js";

const identity = (b: Buffer) => b;

/** A unary call with raw bytes, for checks below the generated types. */
function rawUnary(address: string, path: string, body: Uint8Array): Promise<Buffer> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise<Buffer>((resolve, reject) => {
    client.makeUnaryRequest(path, identity, identity, Buffer.from(body), (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(res as Buffer);
    });
  });
}

function healthStatus(address: string, service: string): Promise<number> {
  const req = new BinaryWriter()
    .uint32((1 << 3) | 2)
    .string(service)
    .finish();
  return rawUnary(address, "/grpc.health.v1.Health/Check", req).then((res) => {
    const r = new BinaryReader(res);
    let status = 0;
    while (r.pos < r.len) {
      const [field] = r.tag();
      if (field === 1) status = r.int32();
      else r.skip(0);
    }
    return status;
  });
}

/** Lists services through server reflection (v1 and v1alpha). */
function reflectedServices(address: string, version: "v1" | "v1alpha"): Promise<string[]> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const call = client.makeBidiStreamRequest(
    `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`,
    identity,
    identity,
  );
  return new Promise((resolve, reject) => {
    call.on("data", (buf: Buffer) => {
      const names: string[] = [];
      const r = new BinaryReader(buf);
      while (r.pos < r.len) {
        const [field, wire] = r.tag();
        if (field !== 6) {
          r.skip(wire);
          continue;
        }
        const list = new BinaryReader(r.bytes());
        while (list.pos < list.len) {
          const [f2, w2] = list.tag();
          if (f2 !== 1) {
            list.skip(w2);
            continue;
          }
          const svc = new BinaryReader(list.bytes());
          while (svc.pos < svc.len) {
            const [f3, w3] = svc.tag();
            if (f3 === 1) names.push(svc.string());
            else svc.skip(w3);
          }
        }
      }
      call.end();
      client.close();
      resolve(names);
    });
    call.on("error", reject);
    call.write(
      Buffer.from(
        new BinaryWriter()
          .uint32((7 << 3) | 2)
          .string("")
          .finish(),
      ),
    );
  });
}

describeEachDatabase("gRPC transport", (srv) => {
  test('health answers SERVING for "" and "flyteadmin"', async () => {
    assert.equal(await healthStatus(srv().grpcAddress, ""), 1);
    assert.equal(await healthStatus(srv().grpcAddress, "flyteadmin"), 1);
  });

  test("reflection lists every served service, in both reflection versions", async () => {
    for (const version of ["v1", "v1alpha"] as const) {
      const names = await reflectedServices(srv().grpcAddress, version);
      for (const s of servedServices) assert.ok(names.includes(s.typeName), `${version}: ${s.typeName} in ${names}`);
    }
  });

  test("every method of every served service is registered (none answers 'unknown service')", async () => {
    const unregistered: string[] = [];
    for (const s of servedServices) {
      for (const m of s.methods) {
        try {
          await rawUnary(srv().grpcAddress, `/${s.typeName}/${m.name}`, new Uint8Array());
        } catch (e) {
          const err = e as grpc.ServiceError;
          // grpc-js answers UNIMPLEMENTED "The server does not implement the method ..." for unregistered paths.
          if (err.code === Code.UNIMPLEMENTED && /does not implement/.test(err.details)) unregistered.push(m.name);
          assert.notEqual(err.code, Code.UNKNOWN, `${m.name} answered UNKNOWN: ${err.details}`);
        }
      }
    }
    assert.deepEqual(unregistered, []);
  });

  test("a request that is not valid protobuf is INVALID_ARGUMENT, never UNKNOWN", async () => {
    await rejectsWith(
      rawUnary(srv().grpcAddress, "/flyteidl.service.AdminService/RegisterProject", new Uint8Array([0x0a, 0xff, 0xff])),
      Code.INVALID_ARGUMENT,
      /malformed request message/,
    );
  });

  test("domain errors keep their code and message", async () => {
    await rejectsWith(srv().admin.getProject({ id: "absent" }), Code.NOT_FOUND, "project [absent] not found");
  });

  test("one port for both: gRPC on the HTTP port (admin.endpoint dns:///localhost:<httpPort>), HTTP on the gRPC port", async () => {
    const { httpPort, grpcPort } = srv().server;
    // flytekit's and flytectl's `admin.endpoint: dns:///localhost:8088` style target, on the HTTP port.
    const onHttpPort = grpcClient(AdminService, `dns:///localhost:${httpPort}`, {
      "grpc.use_local_subchannel_pool": 1,
    });
    try {
      await onHttpPort.registerProject({ project: { id: "oneport", name: "one port" } });
      assert.equal((await onHttpPort.getProject({ id: "oneport" })).name, "one port");
      assert.equal(await healthStatus(`127.0.0.1:${httpPort}`, "flyteadmin"), 1);
      const names = await reflectedServices(`127.0.0.1:${httpPort}`, "v1");
      assert.ok(names.includes("flyteidl.service.AdminService"), String(names));
    } finally {
      onHttpPort.close();
    }
    // The gateway, health and metrics on the gRPC port, over plain HTTP/1.1.
    const grpcBase = `http://127.0.0.1:${grpcPort}`;
    const project = await fetch(`${grpcBase}/api/v1/projects/oneport`);
    assert.equal(project.status, 200);
    assert.equal(((await project.json()) as { name: string }).name, "one port");
    assert.equal((await fetch(`${grpcBase}/healthcheck`)).status, 200);
    assert.match(await (await fetch(`${grpcBase}/metrics`)).text(), /grpc_server_handled_total/);
    const missing = await fetch(`${grpcBase}/api/v1/projects/absent`);
    assert.equal(missing.status, 404);
  });
});

test("server.grpc.maxConcurrentStreams is announced to gRPC clients on both ports", async () => {
  const server = await startTestServer("sqlite", { server: { grpc: { maxConcurrentStreams: 7 } } });
  try {
    for (const port of [server.server.grpcPort, server.server.httpPort]) {
      const session = connectHttp2(`http://127.0.0.1:${port}`);
      try {
        const settings = await new Promise<{ maxConcurrentStreams?: number }>((resolve, reject) => {
          session.once("remoteSettings", resolve);
          session.once("error", reject);
        });
        assert.equal(settings.maxConcurrentStreams, 7, `port ${port}`);
      } finally {
        session.close();
      }
    }
  } finally {
    await server.close();
  }
});

test("server.grpc.maxMessageSizeBytes bounds received messages", async () => {
  const server = await startTestServer("sqlite", { server: { grpc: { maxMessageSizeBytes: 2048 } } });
  try {
    await rejectsWith(
      server.admin.registerProject({ project: { id: "big", name: "x".repeat(4096) } }),
      Code.RESOURCE_EXHAUSTED,
    );
    await server.admin.registerProject({ project: { id: "small", name: "x" } });
  } finally {
    await server.close();
  }
});
