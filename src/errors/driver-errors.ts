/**
 * Database driver failures that are not the server's bug: the database is
 * down, restarting, overloaded, locked, read-only or out of space (UNAVAILABLE,
 * which flytekit and FlytePropeller retry, or RESOURCE_EXHAUSTED), or it
 * refuses a value the request carried (INVALID_ARGUMENT). Never INTERNAL.
 * The drivers' errors are recognised by their codes (PostgreSQL SQLSTATE,
 * Node socket errno, SQLite result codes), never by message text, except
 * pg's own "Connection terminated" errors, which carry no code.
 */
import { Code } from "./codes.js";

/** A driver failure's status code and a message safe to show the caller, or undefined for anything else. */
export function driverFailure(err: unknown): { code: Code; message: string } | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") {
    if (SOCKET_ERRORS.has(code) || isPgUnavailable(code)) {
      return { code: Code.UNAVAILABLE, message: `database unavailable: ${err.message}` };
    }
    if (code === "53100" || code === "SQLITE_FULL") {
      return { code: Code.RESOURCE_EXHAUSTED, message: `database out of space: ${err.message}` };
    }
    // The blob store's file system (local store).
    if (code === "ENOSPC" || code === "EDQUOT") {
      return { code: Code.RESOURCE_EXHAUSTED, message: `storage out of space: ${err.message}` };
    }
    if (code === "EROFS") return { code: Code.UNAVAILABLE, message: `storage is read-only: ${err.message}` };
    // Class 22 (data exception: a NUL byte or invalid UTF-8 in text, a number
    // out of range) and 54000 (a key too long to index) blame the request.
    if (/^22[0-9A-Z]{3}$/.test(code) || code === "54000" || code === "SQLITE_TOOBIG") {
      return { code: Code.INVALID_ARGUMENT, message: `value not accepted by the database: ${err.message}` };
    }
    if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
      return { code: Code.UNAVAILABLE, message: `database busy: ${err.message}` };
    }
    if (code.startsWith("SQLITE_READONLY") || code === "25006") {
      return { code: Code.UNAVAILABLE, message: `database is read-only: ${err.message}` };
    }
    if (code.startsWith("SQLITE_IOERR") || code === "SQLITE_CANTOPEN") {
      return { code: Code.UNAVAILABLE, message: `database I/O error: ${err.message}` };
    }
  }
  // pg raises these without a code when the socket closes under a query or a pool acquire times out.
  if (
    /^Connection terminated|^timeout exceeded when trying to connect|^Client has encountered a connection error/.test(
      err.message,
    )
  ) {
    return { code: Code.UNAVAILABLE, message: `database unavailable: ${err.message}` };
  }
  return undefined;
}

const SOCKET_ERRORS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * SQLSTATE classes 08 (connection exception) and 53 (insufficient resources,
 * except 53100 disk full), 57P01-57P04 (admin shutdown, crash shutdown,
 * cannot connect now, database dropped), and a serialization failure or
 * deadlock (40001, 40P01): all transient, worth the caller's retry.
 */
function isPgUnavailable(code: string): boolean {
  if (code.length !== 5) return false;
  if (code === "40001" || code === "40P01") return true;
  return code.startsWith("08") || (code.startsWith("53") && code !== "53100") || /^57P0[1-4]$/.test(code);
}
