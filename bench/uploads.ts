/**
 * Blob and attribute benchmark: CreateUploadLocation alone, a whole
 * flytekit-style upload (CreateUploadLocation over gRPC, then PUT of a 1 MiB
 * body to the local store's signed URL), and GetWorkflowAttributes (the
 * most-specific lookup) over gRPC, 16 concurrent clients, on SQLite and
 * PostgreSQL. The server runs in its own process.
 * Run: `npx tsx bench/uploads.ts [--seconds 5]`.
 */
import { createHash } from "node:crypto";
import { MatchableResource } from "../src/proto/gen/flyteidl/admin/matchable_resource_pb.js";
import { AdminService } from "../src/proto/gen/flyteidl/service/admin_pb.js";
import { DataProxyService } from "../src/proto/gen/flyteidl/service/dataproxy_pb.js";
import { grpcClient } from "../test/support/grpc-client.js";
import {
  type Dialect,
  type LoadResult,
  numberArg,
  printTable,
  runLoad,
  startServerProcess,
  stopPostgres,
  writeResult,
} from "./support/harness.js";

const CONCURRENCY = 16;
const BODY_BYTES = 1024 * 1024;
const seconds = numberArg("seconds", 5);

interface Row extends Record<string, string | number> {
  dialect: string;
  scenario: string;
  "ops/s": number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
}

function row(dialect: Dialect, scenario: string, r: LoadResult): Row {
  return { dialect, scenario, "ops/s": Math.round(r.rps), p50_ms: r.p50ms, p99_ms: r.p99ms, errors: r.errors };
}

async function benchDialect(dialect: Dialect): Promise<Row[]> {
  const server = await startServerProcess(dialect);
  if (!server) {
    console.log(`${dialect}: skipped (PostgreSQL is not installed)`);
    return [];
  }
  const admin = grpcClient(AdminService, server.grpcAddress);
  const dataProxy = grpcClient(DataProxyService, server.grpcAddress);
  const opts = { concurrency: CONCURRENCY, durationMs: seconds * 1000 };
  const rows: Row[] = [];
  try {
    await admin.registerProject({ project: { id: "bench", name: "bench" } });
    const body = Buffer.alloc(BODY_BYTES, 7);
    const md5 = createHash("md5").update(body).digest();
    rows.push(
      row(
        dialect,
        "CreateUploadLocation (gRPC)",
        await runLoad(
          () => dataProxy.createUploadLocation({ project: "bench", domain: "development", contentMd5: md5 }),
          opts,
        ),
      ),
    );
    const upload = async (i: number) => {
      const loc = await dataProxy.createUploadLocation({
        project: "bench",
        domain: "development",
        contentMd5: md5,
        filename: `f${i}.tar.gz`,
        addContentMd5Metadata: true,
      });
      const res = await fetch(loc.signedUrl, {
        method: "PUT",
        body,
        headers: { "Content-Length": String(body.length), "Content-MD5": md5.toString("base64"), ...loc.headers },
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`PUT answered ${res.status}`);
    };
    const uploads = await runLoad(upload, opts);
    rows.push(row(dialect, "upload 1 MiB: location + PUT (ops/s = MiB/s)", uploads));

    const attrs = { target: { case: "executionQueueAttributes" as const, value: { tags: ["q"] } } };
    await admin.updateProjectAttributes({ attributes: { project: "bench", matchingAttributes: attrs } });
    await admin.updateProjectDomainAttributes({
      attributes: { project: "bench", domain: "development", matchingAttributes: attrs },
    });
    for (let i = 0; i < 200; i++) {
      await admin.updateWorkflowAttributes({
        attributes: { project: "bench", domain: "development", workflow: `wf${i}`, matchingAttributes: attrs },
      });
    }
    rows.push(
      row(
        dialect,
        "GetWorkflowAttributes (gRPC)",
        await runLoad(
          (i) =>
            admin.getWorkflowAttributes({
              project: "bench",
              domain: "development",
              workflow: `wf${i % 400}`,
              resourceType: MatchableResource.EXECUTION_QUEUE,
            }),
          opts,
        ),
      ),
    );
  } finally {
    admin.close();
    dataProxy.close();
    await server.stop();
  }
  return rows;
}

const rows = [...(await benchDialect("sqlite")), ...(await benchDialect("postgres"))];
stopPostgres();
printTable(`uploads and attributes: ${CONCURRENCY} concurrent clients, ${seconds}s per scenario`, rows);
console.log(
  `\nwritten to ${writeResult("uploads", { concurrency: CONCURRENCY, seconds, bodyBytes: BODY_BYTES, rows })}`,
);
