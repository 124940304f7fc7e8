/**
 * Which nodes of a compiled workflow may start: FlytePropeller's `CanExecute`
 * as a small state machine. A node is ready once every upstream node has
 * succeeded; it is skipped once all have finished and any was skipped,
 * failed or timed out (a branch not taken, or a failure under
 * FAIL_AFTER_EXECUTABLE_NODES_COMPLETE). Pure: the runner tells it what
 * finished and asks what to start.
 */

/** How a node ended, as its downstream nodes see it. */
export type NodeOutcome = "succeeded" | "skipped" | "failed" | "timedOut" | "aborted";

type NodeState = "waiting" | "started" | NodeOutcome;

/** What became possible after a change. */
export interface Readiness {
  /** Nodes whose upstream nodes all succeeded, in workflow order. */
  readonly start: string[];
  /** Nodes skipped because an upstream node did not succeed (cascades are included). */
  readonly skip: string[];
}

/**
 * The readiness of one workflow's nodes.
 *
 * @example
 * const dag = new DagScheduler(["start-node", "n0", "end-node"], { n0: ["start-node"], "end-node": ["n0"] });
 * dag.complete("start-node", "succeeded"); // { start: ["n0"], skip: [] }
 */
export class DagScheduler {
  readonly #order: readonly string[];
  readonly #rank = new Map<string, number>();
  readonly #upstream: ReadonlyMap<string, readonly string[]>;
  readonly #downstream = new Map<string, string[]>();
  readonly #state = new Map<string, NodeState>();
  readonly #remaining = new Map<string, number>();
  readonly #tainted = new Set<string>();
  #finished = 0;

  /**
   * @param nodes every node of the workflow, start and end nodes included
   * @param upstream upstream node ids per node; ids that are not nodes of this workflow are ignored
   */
  constructor(nodes: readonly string[], upstream: Readonly<Record<string, readonly string[]>>) {
    this.#order = nodes;
    const known = new Set(nodes);
    nodes.forEach((id, i) => {
      this.#rank.set(id, i);
    });
    const up = new Map<string, readonly string[]>();
    for (const id of nodes) {
      const ids = [...new Set(upstream[id] ?? [])].filter((u) => known.has(u) && u !== id);
      up.set(id, ids);
      this.#state.set(id, "waiting");
      this.#remaining.set(id, ids.length);
      for (const u of ids) {
        const list = this.#downstream.get(u);
        if (list) list.push(id);
        else this.#downstream.set(u, [id]);
      }
    }
    this.#upstream = up;
  }

  /** Nodes with no upstream node (normally only the start node). */
  initial(): Readiness {
    return { start: this.#order.filter((id) => this.#remaining.get(id) === 0), skip: [] };
  }

  upstreamOf(id: string): readonly string[] {
    return this.#upstream.get(id) ?? [];
  }

  /** Records that the runner started `id`. */
  started(id: string): void {
    this.#require(id, "waiting");
    this.#state.set(id, "started");
  }

  /** Records how `id` ended and answers what may start or must be skipped now. */
  complete(id: string, outcome: NodeOutcome): Readiness {
    const state = this.#state.get(id);
    if (state !== "started" && state !== "waiting") throw new Error(`node ${id} already finished (${state})`);
    const start: string[] = [];
    const skip: string[] = [];
    const queue: Array<[string, NodeOutcome]> = [[id, outcome]];
    while (queue.length > 0) {
      const [done, how] = queue.shift()!;
      this.#state.set(done, how);
      this.#finished++;
      for (const d of this.#downstream.get(done) ?? []) {
        if (how !== "succeeded") this.#tainted.add(d);
        const left = this.#remaining.get(d)! - 1;
        this.#remaining.set(d, left);
        if (left > 0 || this.#state.get(d) !== "waiting") continue;
        if (this.#tainted.has(d)) {
          skip.push(d);
          queue.push([d, "skipped"]);
        } else {
          start.push(d);
        }
      }
    }
    start.sort((a, b) => this.#rank.get(a)! - this.#rank.get(b)!);
    return { start, skip };
  }

  stateOf(id: string): NodeState | undefined {
    return this.#state.get(id);
  }

  /** Nodes started and not yet finished. */
  running(): string[] {
    return this.#order.filter((id) => this.#state.get(id) === "started");
  }

  /** True once every node has finished (or can never start). */
  get done(): boolean {
    return this.#finished === this.#order.length;
  }

  #require(id: string, expected: NodeState): void {
    const state = this.#state.get(id);
    if (state !== expected) throw new Error(`node ${id} is ${state ?? "unknown"}, expected ${expected}`);
  }
}
