/**
 * The built-in authorization server's static clients
 * (`auth.appAuth.selfAuthServer.staticClients`, fosite DefaultClient fields)
 * and client authentication at the token endpoint: HTTP Basic with the id and
 * secret form-URL-encoded (client_secret_basic, what golang/oauth2 and
 * flytekit send) or `client_id`/`client_secret` in the body
 * (client_secret_post). Secrets are bcrypt hashes.
 */
import { createHash } from "node:crypto";
import { compare } from "bcryptjs";
import type { Config } from "../config/schema.js";
import { OAuthError } from "./oauth-error.js";

/** A registered client. */
export interface OAuthClient {
  readonly id: string;
  /** bcrypt hash; undefined for public clients. */
  readonly secretHash: string | undefined;
  readonly redirectUris: readonly string[];
  readonly grantTypes: readonly string[];
  readonly responseTypes: readonly string[];
  readonly scopes: readonly string[];
  readonly audience: readonly string[];
  readonly public: boolean;
}

type StaticClients = Config["auth"]["appAuth"]["selfAuthServer"]["staticClients"];

/** Successful secret checks remembered (as digests) so that client_credentials storms do not pay bcrypt each time. */
const VERIFIED_CACHE_LIMIT = 1024;

/**
 * The registered clients.
 *
 * @example
 * const clients = new ClientRegistry(config.auth.appAuth.selfAuthServer.staticClients);
 * const client = await clients.authenticate(req.headers.authorization, form);
 */
export class ClientRegistry {
  readonly #clients = new Map<string, OAuthClient>();
  readonly #verified = new Set<string>();

  constructor(configured: StaticClients) {
    for (const [key, c] of Object.entries(configured)) {
      const id = c.id || key;
      const secretHash = c.public ? undefined : bcryptHash(id, c.client_secret);
      this.#clients.set(id, {
        id,
        secretHash,
        redirectUris: c.redirect_uris,
        grantTypes: c.grant_types,
        responseTypes: c.response_types,
        scopes: c.scopes,
        audience: c.audience,
        public: c.public,
      });
    }
  }

  get(id: string): OAuthClient | undefined {
    return this.#clients.get(id);
  }

  /**
   * The client a token request authenticates as; OAuthError `invalid_client`
   * (401) when it is unknown or its secret does not match.
   */
  async authenticate(authorization: string | undefined, form: URLSearchParams): Promise<OAuthClient> {
    const basic = parseBasic(authorization);
    const id = basic?.id ?? form.get("client_id") ?? "";
    const secret = basic?.secret ?? form.get("client_secret") ?? "";
    const client = this.#clients.get(id);
    const fail = (why: string) => new OAuthError("invalid_client", why, basic !== undefined);
    if (id === "" || !client)
      throw fail(
        "Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method).",
      );
    if (client.public) return client;
    if (!client.secretHash || secret === "" || !(await this.#secretMatches(client, secret))) {
      throw fail(
        "Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method). The provided client secret did not match the registered client secret.",
      );
    }
    return client;
  }

  async #secretMatches(client: OAuthClient, secret: string): Promise<boolean> {
    const digest = createHash("sha256")
      .update(client.id)
      .update("\0")
      .update(client.secretHash ?? "")
      .update("\0")
      .update(secret)
      .digest("base64");
    if (this.#verified.has(digest)) return true;
    const ok = await compare(secret, client.secretHash as string);
    if (ok) {
      if (this.#verified.size >= VERIFIED_CACHE_LIMIT) this.#verified.clear();
      this.#verified.add(digest);
    }
    return ok;
  }
}

/** HTTP Basic credentials, each part form-URL-decoded (RFC 6749 §2.3.1); undefined when the header is not Basic. */
function parseBasic(header: string | undefined): { id: string; secret: string } | undefined {
  if (!header || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0)
    throw new OAuthError("invalid_request", "The client credentials in the Authorization header are malformed.", true);
  try {
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw new OAuthError(
      "invalid_request",
      "The client credentials in the Authorization header are not URL-encoded.",
      true,
    );
  }
}

function formDecode(s: string): string {
  return decodeURIComponent(s.replaceAll("+", " "));
}

/** The configured secret as a bcrypt hash: raw (`$2a$...`) or base64 of it (FlyteAdmin's []byte rendering). */
function bcryptHash(id: string, configured: string): string {
  const text = configured.trim();
  if (text.startsWith("$2")) return text;
  const decoded = Buffer.from(text, "base64").toString("utf8");
  if (decoded.startsWith("$2")) return decoded;
  throw new Error(
    `auth.appAuth.selfAuthServer.staticClients.${id}.client_secret must be a bcrypt hash (or base64 of one)`,
  );
}
