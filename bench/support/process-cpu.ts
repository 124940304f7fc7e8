/**
 * CPU time of a process tree from /proc (Linux): a server with worker or
 * helper processes, or PostgreSQL's postmaster with one backend per
 * connection. Backends come and go; the CPU of children that have exited and
 * been waited for is in their parent's cutime/cstime, so the sum over the
 * living tree of own + waited-for children's time only grows.
 */
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100;

interface Stat {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  readonly ticks: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { pid, ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds (user + system) used so far by `pid` and every descendant,
 * including descendants that have exited; undefined where /proc is missing
 * or the process is gone.
 */
export function treeCpuSeconds(pid: number): number | undefined {
  const root = readStat(pid);
  if (!root) return undefined;
  const children = new Map<number, Stat[]>();
  for (const entry of readdirSync("/proc")) {
    const p = Number(entry);
    if (!Number.isInteger(p) || p === pid) continue;
    const s = readStat(p);
    if (!s) continue;
    const list = children.get(s.ppid);
    if (list) list.push(s);
    else children.set(s.ppid, [s]);
  }
  let ticks = 0;
  const stack: Stat[] = [root];
  while (stack.length > 0) {
    const s = stack.pop() as Stat;
    ticks += s.ticks;
    stack.push(...(children.get(s.pid) ?? []));
  }
  return ticks / TICKS_PER_SECOND;
}
