/**
 * What differs between the two databases, behind one small interface (as
 * Kysely names its dialects' parts): how to connect, which column types the
 * migrations use, how values cross the driver, and how errors read.
 */
import type { Kysely } from "kysely";
import type { Bytes, DbTime, Schema } from "./schema.js";

export type DialectName = "sqlite" | "postgres";

/** Column types the migrations use, per dialect. */
export interface ColumnTypes {
  /** Autoincrement primary key. */
  readonly id: "integer" | "bigserial";
  readonly bigint: "integer" | "bigint";
  readonly timestamp: "integer" | "timestamptz";
  readonly bytes: "blob" | "bytea";
}

/** Converts values between their in-memory form and what the driver stores. */
export interface ValueCodec {
  /** Microseconds since the epoch to the column value. */
  time(micros: number): DbTime;
  /** A timestamp column value back to microseconds. */
  micros(value: DbTime): number;
  bytes(value: Uint8Array): Bytes;
}

/** One database connection (pool) of one dialect. */
export interface StoreDialect {
  readonly name: DialectName;
  readonly kysely: Kysely<Schema>;
  /** Where transactions run, when not on `kysely` (PostgreSQL: a pool of their own, see postgres-dialect.ts). */
  readonly transactions?: Kysely<Schema>;
  readonly types: ColumnTypes;
  readonly codec: ValueCodec;
  /** Whether `SELECT ... FOR UPDATE` exists (PostgreSQL); SQLite serialises writers instead. */
  readonly rowLocks: boolean;
  isUniqueViolation(err: unknown): boolean;
  close(): Promise<void>;
}
