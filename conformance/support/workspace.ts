/**
 * A throw-away directory from which the real clients talk to one test server:
 * its own HOME (no ~/.flyte of the user, no keyring), a config file pointing
 * at the server, and a clean environment.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../test/support/postgres.js";
import type { TestServer } from "../../test/support/server.js";
import { type ClientResult, clientAvailability, runProcess } from "./clients.js";

const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * Client config, environment and runners for one server.
 *
 * @example
 * const ws = await ClientWorkspace.create(server);
 * const r = await ws.flytectl(["get", "project", "-o", "json"]);
 * ws.close();
 */
export class ClientWorkspace {
  readonly dir: string;
  readonly configPath: string;
  #env: Record<string, string>;

  private constructor(dir: string, configPath: string, env: Record<string, string>) {
    this.dir = dir;
    this.configPath = configPath;
    this.#env = env;
  }

  /**
   * Writes the config (flytekit and flytectl read the same YAML) for `server`; with `clientSecret`, the clients
   * authenticate as that OAuth2 client (`authType: ClientSecret`, the secret in a file as deployments mount it).
   */
  static async create(
    server: TestServer,
    options: { clientSecret?: { id: string; secret: string } } = {},
  ): Promise<ClientWorkspace> {
    const dir = mkdtempSync(join(tmpdir(), "flyte-conformance-"));
    const home = join(dir, "home");
    const configPath = join(dir, "config.yaml");
    const credentials = options.clientSecret;
    if (credentials) writeFileSync(join(dir, "client_secret"), credentials.secret);
    const auth = credentials
      ? [
          "  authType: ClientSecret",
          `  clientId: ${credentials.id}`,
          `  clientSecretLocation: ${join(dir, "client_secret")}`,
        ]
      : ["  authType: Pkce"];
    writeFileSync(
      configPath,
      [
        "admin:",
        `  endpoint: dns:///${server.grpcAddress}`,
        "  insecure: true",
        ...auth,
        "console:",
        `  endpoint: ${server.httpBase}`,
        "",
      ].join("\n"),
    );
    // Outbound HTTP(S) of the clients (flytectl version asks GitHub for the latest
    // release) goes to a closed local port; the server on 127.0.0.1 is exempt.
    const trap = `http://127.0.0.1:${await freePort()}`;
    const noProxy = "127.0.0.1,localhost,::1";
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      XDG_CACHE_HOME: join(home, ".cache"),
      XDG_CONFIG_HOME: join(home, ".config"),
      TMPDIR: dir,
      LANG: "C.UTF-8",
      LC_ALL: "C.UTF-8",
      TERM: "dumb",
      NO_COLOR: "1",
      COLUMNS: "250",
      FLYTECTL_CONFIG: configPath,
      HTTP_PROXY: trap,
      HTTPS_PROXY: trap,
      http_proxy: trap,
      https_proxy: trap,
      NO_PROXY: noProxy,
      no_proxy: noProxy,
      PYTHONDONTWRITEBYTECODE: "1",
      PYTHONUNBUFFERED: "1",
      PYTHON_KEYRING_BACKEND: "keyring.backends.null.Keyring",
    };
    return new ClientWorkspace(dir, configPath, env);
  }

  /** Runs the flytectl binary with `--config` pointing at this workspace's config. */
  flytectl(args: readonly string[], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ClientResult> {
    return this.#run("flytectl", "bin", ["--config", this.configPath, ...args], this.dir, timeoutMs);
  }

  /** Runs pyflyte (config via FLYTECTL_CONFIG) in `cwd` (default: the workspace). */
  pyflyte(args: readonly string[], cwd = this.dir, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ClientResult> {
    return this.#run("flytekit", "bin", args, cwd, timeoutMs);
  }

  /** Runs a Python script with the flytekit venv's interpreter. */
  python(
    script: string,
    args: readonly string[],
    cwd = this.dir,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<ClientResult> {
    return this.#run("flytekit", "python", [script, ...args], cwd, timeoutMs);
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  #run(
    client: "flytectl" | "flytekit",
    exe: "bin" | "python",
    args: readonly string[],
    cwd: string,
    timeoutMs: number,
  ): Promise<ClientResult> {
    const a = clientAvailability(client);
    if (!a.ok) throw new Error(a.reason);
    return runProcess(a[exe], args, { env: this.#env, cwd, timeoutMs });
  }
}
