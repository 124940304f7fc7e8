/** Display helpers: phases (names, colours, terminal or not), times and durations. */
import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";
import {
  NodeExecution_Phase,
  TaskExecution_Phase,
  WorkflowExecution_Phase,
} from "../../../src/proto/gen/flyteidl/core/execution_pb.js";

export type PhaseTone = "ok" | "bad" | "run" | "wait" | "off";

export function executionPhaseName(p: WorkflowExecution_Phase): string {
  return WorkflowExecution_Phase[p] ?? "UNKNOWN";
}
export function nodePhaseName(p: NodeExecution_Phase): string {
  return NodeExecution_Phase[p] ?? "UNKNOWN";
}
export function taskPhaseName(p: TaskExecution_Phase): string {
  return TaskExecution_Phase[p] ?? "UNKNOWN";
}

/** The colour family of a phase name (all three phase enums share the words). */
export function phaseTone(name: string): PhaseTone {
  if (name === "SUCCEEDED" || name === "RECOVERED") return "ok";
  if (name === "FAILED" || name === "TIMED_OUT" || name === "FAILING" || name === "RETRYABLE_FAILED") return "bad";
  if (name === "RUNNING" || name === "SUCCEEDING" || name === "DYNAMIC_RUNNING" || name === "INITIALIZING")
    return "run";
  if (name === "QUEUED" || name === "WAITING_FOR_RESOURCES" || name === "UNDEFINED") return "wait";
  return "off";
}

const TERMINAL_EXECUTION = new Set([
  WorkflowExecution_Phase.SUCCEEDED,
  WorkflowExecution_Phase.FAILED,
  WorkflowExecution_Phase.ABORTED,
  WorkflowExecution_Phase.TIMED_OUT,
]);
export const isTerminalExecution = (p: WorkflowExecution_Phase): boolean => TERMINAL_EXECUTION.has(p);

export function timestampMs(t: Timestamp | undefined): number | undefined {
  if (!t) return undefined;
  return Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6);
}

export function durationMs(d: Duration | undefined): number | undefined {
  if (!d) return undefined;
  return Number(d.seconds) * 1000 + Math.floor(d.nanos / 1e6);
}

const thisYear = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});
const otherYear = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/** `Dec 5, 14:34:12` this year, `Dec 5, 2025, 14:34` before; the full UTC time is the title of the cell. */
export function formatTime(t: Timestamp | undefined): string {
  const ms = timestampMs(t);
  if (ms === undefined || ms === 0) return "—";
  const d = new Date(ms);
  return (d.getFullYear() === new Date().getFullYear() ? thisYear : otherYear).format(d);
}

/** `1h 2m`, `3m 4s`, `5.2s`, `120ms`. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return "—";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.round(s % 60)}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function formatDuration(d: Duration | undefined): string {
  return formatMs(durationMs(d));
}

/** Duration of something still running: now minus its start. */
export function elapsed(start: Timestamp | undefined, d: Duration | undefined, running: boolean): string {
  const ms = durationMs(d);
  if (ms && ms > 0) return formatMs(ms);
  const s = timestampMs(start);
  return running && s ? formatMs(Date.now() - s) : formatMs(ms);
}
