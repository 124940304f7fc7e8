/**
 * The local engine runs whatever command a registered task names, as the
 * server's user. Anyone who can call CreateExecution can therefore run
 * commands on this machine, so a server with `executor.type: local` refuses
 * to listen beyond loopback unless authentication is on.
 */
import type { Config } from "../../config/schema.js";

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h) || h === "::ffff:127.0.0.1";
}

/** The reason the configuration is refused, or undefined when it is safe. */
export function localEngineExposure(config: Config): string | undefined {
  if (config.executor.type !== "local") return undefined;
  if (config.server.security.useAuth || isLoopbackHost(config.server.host)) return undefined;
  return (
    `server.host is ${JSON.stringify(config.server.host)} with executor.type local and server.security.useAuth false: ` +
    "anyone who reaches this server could run commands on this machine. Set server.security.useAuth: true, " +
    "or listen on loopback only (server.host: 127.0.0.1), or use executor.type: external"
  );
}
