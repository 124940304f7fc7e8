/** Assertions on gRPC and HTTP errors. */
import assert from "node:assert/strict";
import { fromBinary } from "@bufbuild/protobuf";
import type { ServiceError } from "@grpc/grpc-js";
import { type Status, StatusSchema } from "../../src/proto/gen/google/rpc/status_pb.js";

/** Awaits a call that must fail with `code`, its message equal to (string) or matching (RegExp) `message`. */
export async function rejectsWith(
  call: Promise<unknown>,
  code: number,
  message?: string | RegExp,
): Promise<ServiceError> {
  try {
    await call;
  } catch (e) {
    const err = e as ServiceError;
    assert.equal(err.code, code, `expected gRPC code ${code}, got ${err.code}: ${err.details}`);
    if (typeof message === "string") assert.equal(err.details, message);
    else if (message) assert.match(err.details, message);
    return err;
  }
  assert.fail(`expected the call to fail with gRPC code ${code}`);
}

/** The google.rpc.Status carried in `grpc-status-details-bin`, if any. */
export function statusDetails(err: ServiceError): Status | undefined {
  const raw = err.metadata?.get("grpc-status-details-bin")[0];
  return raw ? fromBinary(StatusSchema, raw as Buffer) : undefined;
}

/** Reads an HTTP JSON error body and checks status, gRPC code and message. */
export async function httpError(
  res: Response,
  httpStatus: number,
  code: number,
  message?: string | RegExp,
): Promise<{ code: number; message: string; details: unknown[] }> {
  const body = (await res.json()) as { code: number; message: string; details: unknown[] };
  assert.equal(res.status, httpStatus, `HTTP status (body ${JSON.stringify(body)})`);
  assert.equal(body.code, code);
  assert.ok(Array.isArray(body.details), "details is always present");
  if (typeof message === "string") assert.equal(body.message, message);
  else if (message) assert.match(body.message, message);
  return body;
}
