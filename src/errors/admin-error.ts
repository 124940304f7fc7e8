/**
 * The one error type domain code throws. Each transport maps it: gRPC sends
 * the code, the message and the details (as `grpc-status-details-bin`); HTTP
 * sends grpc-gateway's status and a `google.rpc.Status` body.
 */
import { create, type DescMessage, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { type Any, anyPack } from "@bufbuild/protobuf/wkt";
import { type Status, StatusSchema } from "../proto/gen/google/rpc/status_pb.js";
import { Code, codeName } from "./codes.js";
import { driverFailure } from "./driver-errors.js";

/** FlyteAdmin cuts status messages at this many bytes, and drops the details when it does. */
export const MAX_MESSAGE_BYTES = 32000;

/**
 * An error with a gRPC status code, a message and optional typed details.
 *
 * @example
 * throw new AdminError(Code.NOT_FOUND, `project [${id}] not found`);
 * throw AdminError.missing("project");
 */
export class AdminError extends Error {
  override name = "AdminError";
  readonly code: Code;
  readonly details: readonly Any[];

  constructor(code: Code, message: string, details: readonly Any[] = []) {
    super(message);
    this.code = code;
    this.details = details;
  }

  /** `INVALID_ARGUMENT "missing <field>"`, FlyteAdmin's message for an absent required field. */
  static missing(field: string): AdminError {
    return new AdminError(Code.INVALID_ARGUMENT, `missing ${field}`);
  }

  /** `INVALID_ARGUMENT "invalid value for <field>"`. */
  static invalidValue(field: string): AdminError {
    return new AdminError(Code.INVALID_ARGUMENT, `invalid value for ${field}`);
  }

  static invalidArgument(message: string, details: readonly Any[] = []): AdminError {
    return new AdminError(Code.INVALID_ARGUMENT, message, details);
  }

  static notFound(message: string): AdminError {
    return new AdminError(Code.NOT_FOUND, message);
  }

  static alreadyExists(message: string, details: readonly Any[] = []): AdminError {
    return new AdminError(Code.ALREADY_EXISTS, message, details);
  }

  static internal(message: string): AdminError {
    return new AdminError(Code.INTERNAL, message);
  }
}

/**
 * What a wrapper that reports storage failures as INTERNAL should throw
 * instead, unchanged: an AdminError blaming the request (INVALID_ARGUMENT),
 * or a store that is full or unavailable (RESOURCE_EXHAUSTED, UNAVAILABLE).
 */
export function passThrough(err: unknown): AdminError | undefined {
  if (err instanceof AdminError) return err.code === Code.INVALID_ARGUMENT ? err : undefined;
  const driver = driverFailure(err);
  return driver ? new AdminError(driver.code, driver.message) : undefined;
}

/** Packs a typed detail message for an AdminError. */
export function detail<D extends DescMessage>(schema: D, message: MessageShape<D>): Any {
  return anyPack(schema, message);
}

/**
 * The error a thrown value stands for: itself if an AdminError, UNAVAILABLE
 * or RESOURCE_EXHAUSTED for a database that is down, locked or full, else
 * INTERNAL (never UNKNOWN: flytekit takes UNKNOWN for an auth failure and
 * starts a browser login).
 */
export function asAdminError(err: unknown): AdminError {
  if (err instanceof AdminError) return err;
  const driver = driverFailure(err);
  if (driver) return new AdminError(driver.code, driver.message);
  return new AdminError(Code.INTERNAL, `unexpected error: ${err instanceof Error ? err.message : String(err)}`);
}

/** The status a transport sends for any thrown value (see `asAdminError`). */
export function toStatus(err: unknown): Status {
  const e = asAdminError(err);
  const bytes = Buffer.from(e.message, "utf8");
  if (bytes.length > MAX_MESSAGE_BYTES) {
    return create(StatusSchema, { code: e.code, message: truncateUtf8(bytes, MAX_MESSAGE_BYTES), details: [] });
  }
  return create(StatusSchema, { code: e.code, message: e.message, details: [...e.details] });
}

/** Encodes a status for the `grpc-status-details-bin` trailer. */
export function statusBytes(status: Status): Uint8Array {
  return toBinary(StatusSchema, status);
}

function truncateUtf8(bytes: Buffer, max: number): string {
  let end = max;
  // Back off continuation bytes so the cut never splits a character.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}

export { Code, codeName };
