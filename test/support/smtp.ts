/**
 * A real SMTP server for notification tests (nodemailer's `smtp-server`):
 * STARTTLS with its built-in self-signed certificate unless turned off,
 * AUTH required when credentials are given, and every message kept with its
 * envelope, parsed by `mailparser`.
 */
import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  readonly envelopeFrom: string;
  readonly envelopeTo: string[];
  /** The client's EHLO name. */
  readonly hello: string;
  readonly secure: boolean;
  readonly user: string | undefined;
  readonly mail: ParsedMail;
}

export interface SmtpOptions {
  /** Require AUTH with these credentials. */
  readonly auth?: { user: string; pass: string };
  /** Offer STARTTLS (default true). */
  readonly tls?: boolean;
}

export class RecordingSmtpServer {
  readonly received: ReceivedMail[] = [];
  readonly #server: SMTPServer;
  readonly #waiters: Array<() => void> = [];
  port = 0;

  constructor(o: SmtpOptions = {}) {
    this.#server = new SMTPServer({
      logger: false,
      authOptional: o.auth === undefined,
      disabledCommands: o.tls === false ? ["STARTTLS"] : [],
      onAuth: (auth, _session, cb) => {
        if (o.auth && auth.username === o.auth.user && auth.password === o.auth.pass) cb(null, { user: auth.username });
        else cb(new Error("Invalid username or password"));
      },
      onData: (stream, session, cb) => {
        simpleParser(stream)
          .then((mail) => {
            this.received.push({
              envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              hello: session.hostNameAppearsAs,
              secure: session.secure,
              user: typeof session.user === "string" ? session.user : undefined,
              mail,
            });
            for (const w of this.#waiters.splice(0)) w();
            cb();
          })
          .catch((err: Error) => cb(err));
      },
    });
  }

  /** Listens on `port` (default: any free one). */
  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(port, "127.0.0.1", () => resolve()));
    this.port = (this.#server.server.address() as AddressInfo).port;
    return this;
  }

  /** Resolves once `n` messages have arrived (or rejects after `timeoutMs`). */
  async waitFor(n: number, timeoutMs = 10_000): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} emails, got ${this.received.length}`);
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        setTimeout(r, 100);
      });
    }
    return this.received.slice(0, n);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
