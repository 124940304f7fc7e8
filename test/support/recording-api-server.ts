/**
 * What every recording stand-in of the Kubernetes API shares: a real HTTP
 * server on a free loopback port, and a kubeconfig file that points a real
 * client (@kubernetes/client-node) at it with a bearer token.
 */
import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

/**
 * A loopback HTTP server whose subclass answers the requests.
 *
 * @example
 * class Teapot extends RecordingApiServer {
 *   protected async handle(_req: IncomingMessage, res: ServerResponse) { res.writeHead(418).end(); }
 * }
 * const api = await new Teapot().start();
 */
export abstract class RecordingApiServer {
  readonly #server: Server;
  #url = "";

  constructor() {
    this.#server = createServer((req, res) => {
      void this.handle(req, res);
    });
  }

  /** Answers one request (and records it). */
  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

  get url(): string {
    return this.#url;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** A kubeconfig file in `dir` pointing at this server with a bearer token, for `server.kube-config`. */
  writeKubeconfig(dir: string, token = "test-token", fileName = "kubeconfig.yaml"): string {
    const file = join(dir, fileName);
    writeFileSync(
      file,
      [
        "apiVersion: v1",
        "kind: Config",
        "current-context: test",
        "clusters:",
        "- name: test",
        `  cluster: { server: "${this.#url}" }`,
        "users:",
        "- name: admin",
        `  user: { token: "${token}" }`,
        "contexts:",
        "- name: test",
        "  context: { cluster: test, user: admin }",
        "",
      ].join("\n"),
    );
    return file;
  }
}
