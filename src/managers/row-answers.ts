/**
 * Decoded answers of rows that can change (a launch plan: its state and
 * update time). The row is always read from the database; the answer built
 * from it is kept together with the row's values, and served again only for
 * a row whose values are all the same (byte for byte), so a changed row is
 * never answered from memory, whichever replica changed it. A kept answer is
 * final (proto/encoded-once.ts): it is encoded once per format.
 */
import type { DescMessage, Message } from "@bufbuild/protobuf";
import { LruCache } from "../common/lru-cache.js";
import { encodeBinary, markFinal } from "../proto/encoded-once.js";
import type { RowVersion, RowVersionReads, Versioned } from "../store/repositories/row-versions.js";
import { rowWeight } from "../store/repositories/versioned-entities.js";

/**
 * @example
 * const answers = new RowAnswers<LaunchPlanRow, LaunchPlan>(budget.responses);
 * return answers.answer(versionKeyText(row), row, (r) => launchPlanFromRow(r, codec));
 */
export class RowAnswers<R extends object, A extends object> {
  readonly #kept: LruCache<string, { readonly row: R; readonly answer: A }>;

  constructor(maxBytes: number) {
    this.#kept = new LruCache({ maxWeight: maxBytes });
  }

  /** The answer for `row` (kept under `key`): the kept one when its row had the same values, else `build(row)`. */
  answer(key: string, row: R, build: (row: R) => A): A {
    const kept = this.#kept.get(key);
    if (kept !== undefined && sameValues(kept.row, row)) return kept.answer;
    const answer = markFinal(build(row));
    // The row, its decoded answer and that answer's encodings: about three times the row.
    this.#kept.set(key, { row, answer }, 3 * rowWeight(row));
    return answer;
  }
}

/**
 * Answers kept per row version instead of per row content, for lists that
 * read only keys and versions first (PostgreSQL's `xmin`, see
 * ExecutionRepository.listVersions) and whole rows only for what changed.
 *
 * @example
 * const kept = answers.get(key, version) ?? answers.answer(key, version, row, build);
 */
export class VersionedAnswers<R extends object, A extends object> {
  readonly #kept: LruCache<string, { readonly version: string; readonly answer: A }>;

  constructor(maxBytes: number) {
    this.#kept = new LruCache({ maxWeight: maxBytes });
  }

  /** The answer kept under `key`, if it was built from this version of the row. */
  get(key: string, version: string): A | undefined {
    const kept = this.#kept.get(key);
    return kept !== undefined && kept.version === version ? kept.answer : undefined;
  }

  /** `build(row)`, kept under `key` for the row's `version`. */
  answer(key: string, version: string, row: R, build: (row: R) => A): A {
    const answer = markFinal(build(row));
    this.#kept.set(key, { version, answer }, 3 * rowWeight(row));
    return answer;
  }

  /**
   * The answer for the row `rowKey` names: the row's version first, then the
   * whole row only when no answer is kept for that version (one small read
   * for an unchanged row, two for a changed one); undefined when no such row.
   */
  async read(
    key: string,
    reads: RowVersionReads<R>,
    rowKey: Readonly<Record<string, unknown>>,
    build: (row: R) => A,
  ): Promise<A | undefined> {
    const version = await reads.versionOf(rowKey);
    if (version === undefined) return undefined;
    const kept = this.get(key, version);
    if (kept !== undefined) return kept;
    const row = await reads.rowOf(rowKey);
    return row && this.answer(key, row.row_version, row, build);
  }

  /**
   * The answers for a page read as ids and versions: kept ones as they are,
   * the others built from whole rows read by id (`rowsOf`, one read for all).
   * A row gone between the two reads is left out.
   */
  async page(
    page: readonly RowVersion[],
    rowsOf: (ids: number[]) => Promise<Versioned<R & { readonly id: number | string }>[]>,
    build: (row: R) => A,
  ): Promise<A[]> {
    const kept = page.map((v) => this.get(String(v.id), v.version));
    const missing = page.filter((_, i) => kept[i] === undefined).map((v) => v.id);
    const rows = new Map((missing.length > 0 ? await rowsOf(missing) : []).map((r) => [Number(r.id), r]));
    const out: A[] = [];
    page.forEach((v, i) => {
      const row = rows.get(v.id);
      const answer = kept[i] ?? (row && this.answer(String(v.id), row.row_version, row, build));
      if (answer !== undefined) out.push(answer);
    });
    return out;
  }
}

/**
 * Whole list answers, kept per query and page (PostgreSQL). The same query
 * over a page whose rows all have the same ids and versions, in the same
 * order, has the same answer: it is served again, with its encodings,
 * without its items being looked up, assembled and encoded again (clients
 * poll lists that rarely change). A row of the page that changed, or one
 * entering or leaving it, makes another page text, so another key.
 *
 * @example
 * const pages = new PageAnswers(ProjectsSchema, budget.projects);
 * return pages.answer(JSON.stringify(query), page.text, () => buildProjects(page));
 */
export class PageAnswers<A extends Message> {
  readonly #schema: DescMessage;
  readonly #kept: LruCache<string, A>;

  constructor(schema: DescMessage, maxBytes: number) {
    this.#schema = schema;
    this.#kept = new LruCache({ maxWeight: maxBytes });
  }

  /**
   * The answer to `query` (all the answer depends on besides its rows) over
   * the page read as `pageText` (ids and row versions, or ids alone where
   * rows never change).
   */
  async answer(query: string, pageText: string, build: () => Promise<A>): Promise<A> {
    const key = `${query}\n${pageText}`;
    const kept = this.#kept.get(key);
    if (kept !== undefined) return kept;
    const answer = markFinal(await build());
    // Its items are kept (and weighed) by their own caches; the page adds its encodings, binary and JSON.
    this.#kept.set(key, answer, 3 * encodeBinary(this.#schema, answer).byteLength + key.length);
    return answer;
  }
}

function sameValues(a: object, b: object): boolean {
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  for (const k of ak) {
    const x: unknown = (a as Record<string, unknown>)[k];
    const y: unknown = (b as Record<string, unknown>)[k];
    if (x instanceof Uint8Array && y instanceof Uint8Array) {
      if (!Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(y)) return false;
    } else if (x !== y) return false;
  }
  return true;
}
