/**
 * FlyteAdmin's `smtp` emailer (`notifications.emailer.emailServerConfig`
 * with `serviceName: smtp`), on nodemailer: connect to
 * `smtpServer:smtpPort`, greet as `localhost`, upgrade with STARTTLS when the
 * server offers it (`smtpSkipTLSVerify` to accept any certificate),
 * authenticate when the server offers AUTH and a user is configured (the
 * password is the secret `smtpPasswordSecretName`), then send one HTML
 * message to all recipients, `From` the configured sender.
 */
import nodemailer, { type Transporter } from "nodemailer";
import type { EmailMessage } from "../proto/gen/flyteidl/admin/notification_pb.js";

/** Sends one email. */
export interface Emailer {
  send(message: EmailMessage): Promise<void>;
  /** Closes connections kept open between messages. */
  close(): void;
}

export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  readonly skipTlsVerify: boolean;
  readonly username: string;
  readonly password: string;
  /** The `From` header (FlyteAdmin writes the configured sender there, the envelope uses the message's). */
  readonly sender: string;
}

/**
 * An SMTP emailer with one pooled connection, re-opened when the server drops it.
 *
 * @example
 * const emailer = new SmtpEmailer({ host: "smtp.example.com", port: 587, skipTlsVerify: false, username: "", password: "", sender: "flyte@example.com" });
 * await emailer.send(message);
 */
export class SmtpEmailer implements Emailer {
  readonly #transport: Transporter;
  readonly #sender: string;

  constructor(s: SmtpSettings) {
    this.#sender = s.sender;
    this.#transport = nodemailer.createTransport({
      host: s.host,
      port: s.port,
      secure: false,
      name: "localhost",
      pool: true,
      maxConnections: 1,
      tls: { rejectUnauthorized: !s.skipTlsVerify, servername: s.host },
      auth: s.username !== "" ? { user: s.username, pass: s.password } : undefined,
    });
  }

  async send(m: EmailMessage): Promise<void> {
    await this.#transport.sendMail({
      from: this.#sender,
      to: m.recipientsEmail.join(","),
      subject: m.subjectLine,
      html: m.body,
      envelope: { from: m.senderEmail, to: [...m.recipientsEmail] },
    });
  }

  close(): void {
    this.#transport.close();
  }
}
