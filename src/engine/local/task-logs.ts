/**
 * Where task attempts run and keep their output: one working directory per
 * attempt (`<workDir>/runs/<project>/<domain>/<execution>/<node>/<attempt>`,
 * plus `/<index>` for a map task's sub-task) holding `stdout.log` and
 * `stderr.log`, served by our HTTP server at `/engine/logs/<same path>/stdout`
 * (or `/stderr`) and linked from task events as TaskLogs, as FlytePropeller
 * links a pod's logs.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { type TaskLog, TaskLog_MessageFormat, TaskLogSchema } from "../../proto/gen/flyteidl/core/execution_pb.js";
import type { WorkflowExecutionIdentifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { HttpGateway } from "../../transport/http/gateway.js";

export const LOG_ROUTE_PREFIX = "/engine/logs";
const STREAMS = ["stdout", "stderr"] as const;
const SAFE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** The path segments of one attempt, below `runs/`. */
export function attemptSegments(
  id: WorkflowExecutionIdentifier,
  uniqueNodeId: string,
  attempt: number,
  index?: number,
): string[] {
  const parts = [id.project, id.domain, id.name, uniqueNodeId, String(attempt)];
  if (index !== undefined) parts.push(String(index));
  return parts;
}

/** The working directory of an attempt. */
export function attemptDir(workDir: string, segments: readonly string[]): string {
  return join(workDir, "runs", ...segments.map(safeSegment));
}

function safeSegment(s: string): string {
  if (!SAFE_SEGMENT.test(s)) throw new Error(`unsafe path segment [${s}] for an attempt directory`);
  return s;
}

/** The TaskLogs of an attempt (stdout and stderr links). */
export function attemptLogs(publicUrl: string, segments: readonly string[]): TaskLog[] {
  const base = `${publicUrl.replace(/\/$/, "")}${LOG_ROUTE_PREFIX}/${segments.map(encodeURIComponent).join("/")}`;
  return STREAMS.map((stream) =>
    create(TaskLogSchema, { uri: `${base}/${stream}`, name: stream, messageFormat: TaskLog_MessageFormat.UNKNOWN }),
  );
}

/** The files of an attempt's streams. */
export function logFiles(dir: string): { stdout: string; stderr: string } {
  return { stdout: join(dir, "stdout.log"), stderr: join(dir, "stderr.log") };
}

/** Adds `GET /engine/logs/...` serving the attempt logs under `workDir` as plain text, to authenticated callers when auth is on. */
export function addTaskLogRoute(gateway: HttpGateway, workDir: string): void {
  gateway.addRawRoute(
    ["GET", "HEAD"],
    `${LOG_ROUTE_PREFIX}/*`,
    "engine_task_logs",
    async (req, res, params) => {
      const wildcard = params["*"] ?? "";
      const parts = wildcard.split("/").map((p) => decodeURIComponent(p));
      const stream = parts.pop();
      if (
        stream === undefined ||
        !(STREAMS as readonly string[]).includes(stream) ||
        parts.length < 5 ||
        parts.length > 6 ||
        !parts.every((p) => SAFE_SEGMENT.test(p))
      ) {
        res.writeHead(404, { "Content-Type": "text/plain" }).end("no such task log\n");
        return;
      }
      const file = logFiles(attemptDir(workDir, parts))[stream as "stdout" | "stderr"];
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) {
        res.writeHead(404, { "Content-Type": "text/plain" }).end("no such task log\n");
        return;
      }
      res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": info.size });
      if (req.method === "HEAD") {
        res.end();
        return;
      }
      const reader = createReadStream(file, { start: 0, end: Math.max(0, info.size - 1) });
      reader.on("error", () => res.destroy());
      if (info.size === 0) res.end();
      else reader.pipe(res);
    },
    { authenticated: true },
  );
}
