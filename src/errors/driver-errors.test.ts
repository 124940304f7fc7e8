import assert from "node:assert/strict";
import { test } from "node:test";
import { asAdminError } from "./admin-error.js";
import { Code } from "./codes.js";
import { driverFailure } from "./driver-errors.js";

function withCode(message: string, code?: string): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

test("driver failures map to the status a caller can act on", () => {
  const cases: [Error, Code | undefined][] = [
    [withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED"), Code.UNAVAILABLE],
    [withCode("read ECONNRESET", "ECONNRESET"), Code.UNAVAILABLE],
    [withCode("terminating connection due to administrator command", "57P01"), Code.UNAVAILABLE],
    [withCode("the database system is starting up", "57P03"), Code.UNAVAILABLE],
    [withCode("sorry, too many clients already", "53300"), Code.UNAVAILABLE],
    [withCode("connection failure", "08006"), Code.UNAVAILABLE],
    [withCode("deadlock detected", "40P01"), Code.UNAVAILABLE],
    [withCode("Connection terminated unexpectedly"), Code.UNAVAILABLE],
    [withCode("timeout exceeded when trying to connect"), Code.UNAVAILABLE],
    [withCode("Client has encountered a connection error and is not queryable"), Code.UNAVAILABLE],
    [withCode("could not extend file: No space left on device", "53100"), Code.RESOURCE_EXHAUSTED],
    [withCode("database or disk is full", "SQLITE_FULL"), Code.RESOURCE_EXHAUSTED],
    [withCode("ENOSPC: no space left on device, write", "ENOSPC"), Code.RESOURCE_EXHAUSTED],
    [withCode("EROFS: read-only file system, open", "EROFS"), Code.UNAVAILABLE],
    [withCode("database is locked", "SQLITE_BUSY"), Code.UNAVAILABLE],
    [withCode("database is locked", "SQLITE_BUSY_SNAPSHOT"), Code.UNAVAILABLE],
    [withCode("attempt to write a readonly database", "SQLITE_READONLY"), Code.UNAVAILABLE],
    [withCode("disk I/O error", "SQLITE_IOERR_WRITE"), Code.UNAVAILABLE],
    [withCode('invalid byte sequence for encoding "UTF8": 0x00', "22021"), Code.INVALID_ARGUMENT],
    [withCode("index row size 3488 exceeds btree version 4 maximum 2704", "54000"), Code.INVALID_ARGUMENT],
    [withCode("string or blob too big", "SQLITE_TOOBIG"), Code.INVALID_ARGUMENT],
    // Our own bugs stay INTERNAL.
    [withCode('relation "nope" does not exist', "42P01"), undefined],
    [withCode("no such column: x", "SQLITE_ERROR"), undefined],
    [withCode("duplicate key value violates unique constraint", "23505"), undefined],
    [new TypeError("cannot read properties of undefined"), undefined],
  ];
  for (const [err, code] of cases) {
    assert.equal(driverFailure(err)?.code, code, err.message);
    assert.equal(asAdminError(err).code, code ?? Code.INTERNAL, err.message);
  }
  assert.equal(driverFailure("ECONNREFUSED"), undefined, "only Error objects are classified");
});
