/** Structured logging with pino; the level comes from `logger.level`. */
import { type Logger, pino } from "pino";
import type { Config } from "../config/schema.js";

const NUMERIC_LEVELS: Record<number, string> = {
  0: "fatal",
  1: "fatal",
  2: "error",
  3: "warn",
  4: "info",
  5: "debug",
  6: "trace",
};

/**
 * Creates the server's root logger.
 *
 * @example
 * const logger = createLogger(config.logger);
 * logger.info({ port }, "listening");
 */
export function createLogger(settings: Config["logger"], destination?: NodeJS.WritableStream): Logger {
  // flytestdlib numeric levels: 0 panic, 1 fatal, 2 error, 3 warn, 4 info, 5 debug; pino wants names.
  const level = typeof settings.level === "number" ? (NUMERIC_LEVELS[settings.level] ?? "info") : settings.level;
  const base = { name: "flyteadmin" };
  return destination ? pino({ level, base }, destination) : pino({ level, base });
}
