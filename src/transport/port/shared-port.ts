/**
 * One port for gRPC and HTTP/1.1. Every listener accepts plain TCP, reads the
 * connection's first bytes and hands the socket over: a connection that
 * opens with the HTTP/2 client preface (`PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`,
 * gRPC's prior-knowledge h2c) goes to grpc-js through its connection
 * injector; anything else to the node:http server (the gateway). The bytes
 * read are put back first, so neither server can tell. A connection decides
 * once, at its start, which is all either protocol needs: gRPC never
 * upgrades, and the gateway does not speak h2c.
 *
 * Sockets come from plain `net.Server`s, which node:cluster shares between
 * worker processes like any other listener.
 */
import type { Server as HttpServer } from "node:http";
import { type AddressInfo, createServer, type Server as NetServer, type Socket } from "node:net";
import * as grpc from "@grpc/grpc-js";

/** The HTTP/2 connection preface every gRPC (h2c, prior knowledge) client sends first. */
const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

export type Protocol = "grpc" | "http";

/**
 * Which protocol the first bytes of a connection speak: `grpc` once they are the whole HTTP/2 preface, `http`
 * as soon as they stop matching it, undefined while they are a proper prefix of it (read more).
 */
export function protocolOf(firstBytes: Buffer): Protocol | undefined {
  const n = Math.min(firstBytes.length, H2_PREFACE.length);
  if (firstBytes.compare(H2_PREFACE, 0, n, 0, n) !== 0) return "http";
  return n === H2_PREFACE.length ? "grpc" : undefined;
}

export interface SharedPortOptions {
  /** The gRPC server (services added, not bound): its connections come through a connection injector. */
  readonly grpc: grpc.Server;
  /** The HTTP/1.1 server (not listening): its connections are emitted to it. */
  readonly http: HttpServer;
  /** A connection that has not sent enough to tell its protocol within this time is closed. */
  readonly firstBytesTimeoutMs: number;
}

/**
 * gRPC and HTTP on every port it listens on.
 *
 * @example
 * const ports = new SharedPorts({ grpc: grpcServer, http: httpServer, firstBytesTimeoutMs: 32_000 });
 * const httpPort = await ports.listen("127.0.0.1", 8088);
 * const grpcPort = await ports.listen("127.0.0.1", 8089);
 * // ... later: stop accepting, let calls finish for up to 10 s, then close what is left
 * await ports.shutdown(10_000);
 */
export class SharedPorts {
  readonly #options: SharedPortOptions;
  readonly #injector: grpc.ConnectionInjector;
  readonly #listeners: NetServer[] = [];
  /** Connections still telling their protocol. */
  readonly #undecided = new Set<Socket>();
  /** Connections handed to the HTTP server (node:http counts only those it accepted itself). */
  readonly #http = new Set<Socket>();
  #closing = false;

  constructor(options: SharedPortOptions) {
    this.#options = options;
    this.#injector = options.grpc.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  }

  /** Listens on `host:port` (0: any free port); resolves with the bound port. */
  async listen(host: string, port: number): Promise<number> {
    const server = createServer({ noDelay: true }, (socket) => this.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => reject(new Error(`cannot listen on ${host}:${port}: ${err.message}`));
      server.once("error", fail);
      server.listen(port, host, () => {
        server.off("error", fail);
        resolve();
      });
    });
    this.#listeners.push(server);
    // node:http starts tracking its connections (the header and request timeouts) when it starts listening;
    // it never listens itself here, so it is told when the first port is.
    if (this.#listeners.length === 1) this.#options.http.emit("listening");
    return (server.address() as AddressInfo).port;
  }

  /** Connections currently open, by protocol (undecided ones are still being read). */
  connections(): { http: number; undecided: number } {
    return { http: this.#http.size, undecided: this.#undecided.size };
  }

  /**
   * Stops accepting, lets gRPC calls and HTTP requests in progress finish (gRPC clients are sent GOAWAY, idle
   * HTTP keep-alive connections are closed as they become idle), and after `graceMs` closes whatever is left.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.#closing = true;
    const stopped = Promise.all(this.#listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
    for (const s of this.#undecided) s.destroy();
    const grpcServer = this.#options.grpc;
    const httpServer = this.#options.http;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    const grpcDone = new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()));
    const httpDone = this.#drainHttp(httpServer);
    const forced = await Promise.race([Promise.all([grpcDone, httpDone]).then(() => false), grace.then(() => true)]);
    clearTimeout(timer);
    if (forced) {
      grpcServer.forceShutdown();
      for (const s of this.#http) s.destroy();
    }
    httpServer.close();
    await stopped;
  }

  /** Resolves when every HTTP connection has closed, closing each as soon as it has no request in progress. */
  async #drainHttp(httpServer: HttpServer): Promise<void> {
    while (this.#http.size > 0) {
      httpServer.closeIdleConnections();
      if (this.#http.size === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  #accept(socket: Socket): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    this.#undecided.add(socket);
    let head: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), this.#options.firstBytesTimeoutMs);
    const done = () => {
      clearTimeout(timer);
      this.#undecided.delete(socket);
      socket.off("data", onData);
      socket.off("error", onGone);
      socket.off("close", onGone);
    };
    const onGone = () => {
      done();
      socket.destroy();
    };
    const onData = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const protocol = protocolOf(head);
      if (protocol === undefined) return;
      done();
      // Stop the flow so nothing more is read into the stream before the new owner takes the socket over;
      // the bytes read so far are returned to the front of it.
      socket.pause();
      socket.unshift(head);
      if (protocol === "grpc") {
        this.#injector.injectConnection(socket);
      } else {
        this.#http.add(socket);
        socket.once("close", () => this.#http.delete(socket));
        this.#options.http.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
    socket.on("error", onGone);
    socket.on("close", onGone);
  }
}
