/**
 * FlyteAdmin's browser-session cookies, under the same names, sealed with
 * AES-256-GCM (key derived from `cookie_hash_key` and `cookie_block_key`;
 * the cookie name is bound in, so a value cannot be moved to another cookie,
 * and values older than 30 days are refused, as gorilla/securecookie does).
 * The format is private to us: cookies minted by a Go FlyteAdmin are not read.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

export const COOKIE = Object.freeze({
  /** Legacy single access-token cookie, still read first. */
  accessToken: "flyte_at",
  accessTokenFirst: "flyte_at_1",
  accessTokenSecond: "flyte_at_2",
  idToken: "flyte_idt",
  refreshToken: "flyte_rt",
  userInfo: "flyte_user_info",
  csrfState: "flyte_csrf_state",
  redirectLocation: "flyte_redirect_location",
  authCode: "flyte_auth_code",
});

export interface CookieSettings {
  /** false with `server.security.insecureCookieHeader` (plain-HTTP development). */
  readonly secure: boolean;
  /** `auth.userAuth.cookieSetting.sameSitePolicy`. */
  readonly sameSite: "DefaultMode" | "LaxMode" | "StrictMode" | "NoneMode";
  readonly domain: string;
}

const MAX_AGE_SECONDS = 30 * 24 * 3600;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals and opens cookie values.
 *
 * @example
 * const codec = new CookieCodec(hashKey, blockKey);
 * const sealed = codec.seal("flyte_idt", idToken);
 * codec.open("flyte_idt", sealed); // idToken, or undefined when tampered with
 */
export class CookieCodec {
  readonly #key: Buffer;

  constructor(hashKey: Uint8Array, blockKey: Uint8Array) {
    this.#key = Buffer.from(
      hkdfSync("sha256", Buffer.concat([blockKey, hashKey]), Buffer.alloc(0), "flyteadmin-ts cookies v1", 32),
    );
  }

  seal(name: string, value: string, now = Date.now()): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    cipher.setAAD(Buffer.from(name, "utf8"));
    const stamp = Buffer.alloc(8);
    stamp.writeBigUInt64BE(BigInt(Math.floor(now / 1000)));
    const body = Buffer.concat([cipher.update(Buffer.concat([stamp, Buffer.from(value, "utf8")])), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url");
  }

  /** The value, or undefined when the cookie was not sealed by us under this name, or is too old. */
  open(name: string, sealed: string, now = Date.now()): string | undefined {
    const raw = Buffer.from(sealed, "base64url");
    if (raw.length < IV_BYTES + 8 + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(name, "utf8"));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
      const issued = Number(plain.readBigUInt64BE(0));
      if (now / 1000 - issued > MAX_AGE_SECONDS) return undefined;
      return plain.subarray(8).toString("utf8");
    } catch {
      return undefined;
    }
  }
}

/** The `Cookie` request header(s) as a name -> value map; the first occurrence of a name wins. */
export function parseCookies(header: string | readonly string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const lines = header === undefined ? [] : typeof header === "string" ? [header] : header;
  for (const line of lines) {
    for (const raw of line.split(";")) {
      const part = raw.trim();
      const eq = part.indexOf("=");
      if (eq <= 0) continue;
      const name = part.slice(0, eq).trim();
      let value = part.slice(eq + 1).trim();
      if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
      if (!out.has(name)) out.set(name, value);
    }
  }
  return out;
}

/** One `Set-Cookie` value. Session cookies (no Max-Age) on path `/`, HttpOnly. */
export function setCookieHeader(
  name: string,
  value: string,
  settings: CookieSettings,
  options: { sameSite?: CookieSettings["sameSite"]; expired?: boolean; domain?: boolean } = {},
): string {
  const parts = [`${name}=${value}`, "Path=/"];
  if (options.domain !== false && settings.domain !== "") parts.push(`Domain=${settings.domain}`);
  if (options.expired) parts.push(`Expires=${new Date(Date.now() - 3600_000).toUTCString()}`, "Max-Age=0");
  parts.push("HttpOnly");
  if (settings.secure) parts.push("Secure");
  const sameSite = { DefaultMode: "", LaxMode: "Lax", StrictMode: "Strict", NoneMode: "None" }[
    options.sameSite ?? settings.sameSite
  ];
  if (sameSite !== "") parts.push(`SameSite=${sameSite}`);
  return parts.join("; ");
}

/** The tokens a browser session holds. */
export interface SessionTokens {
  readonly idToken: string;
  readonly accessToken: string;
  readonly refreshToken: string | undefined;
}

/**
 * The flyte session cookies over a codec: read from a request's cookie map,
 * written as Set-Cookie values.
 *
 * @example
 * const session = new SessionCookies(codec, settings);
 * res.setHeader("Set-Cookie", session.tokenCookies(tokens));
 * const tokens = session.tokens(parseCookies(req.headers.cookie));
 */
export class SessionCookies {
  readonly #codec: CookieCodec;
  readonly settings: CookieSettings;

  constructor(codec: CookieCodec, settings: CookieSettings) {
    this.#codec = codec;
    this.settings = settings;
  }

  /** The session's tokens; undefined unless both the ID token and the access token open. */
  tokens(cookies: ReadonlyMap<string, string>): SessionTokens | undefined {
    const idToken = this.#read(cookies, COOKIE.idToken);
    const accessToken = this.#read(cookies, COOKIE.accessToken) ?? this.#splitAccessToken(cookies);
    if (!idToken || !accessToken) return undefined;
    return { idToken, accessToken, refreshToken: this.#read(cookies, COOKIE.refreshToken) };
  }

  /** The profile JSON stored at login, unparsed. */
  userInfoJson(cookies: ReadonlyMap<string, string>): string | undefined {
    return this.#read(cookies, COOKIE.userInfo);
  }

  /** The original /oauth2/authorize query the built-in authorization server parked during the login. */
  authCodeRequest(cookies: ReadonlyMap<string, string>): string | undefined {
    return this.#read(cookies, COOKIE.authCode);
  }

  /** Cookies for fresh tokens; the access token is split in halves to stay under browser cookie size limits. */
  tokenCookies(t: SessionTokens): string[] {
    const mid = Math.floor(t.accessToken.length / 2);
    const out = [
      this.#write(COOKIE.accessTokenFirst, t.accessToken.slice(0, mid)),
      this.#write(COOKIE.accessTokenSecond, t.accessToken.slice(mid)),
      this.#write(COOKIE.idToken, t.idToken),
    ];
    if (t.refreshToken) out.push(this.#write(COOKIE.refreshToken, t.refreshToken));
    return out;
  }

  userInfoCookie(profileJson: string): string {
    return this.#write(COOKIE.userInfo, profileJson);
  }

  authCodeCookie(query: string): string {
    return this.#write(COOKIE.authCode, query);
  }

  /** Expired cookies for /logout; like FlyteAdmin, the user-info cookie stays. */
  logoutCookies(): string[] {
    return [
      COOKIE.accessToken,
      COOKIE.accessTokenFirst,
      COOKIE.accessTokenSecond,
      COOKIE.refreshToken,
      COOKIE.idToken,
    ].map((name) => setCookieHeader(name, "", this.settings, { expired: true, sameSite: "DefaultMode" }));
  }

  /** A plain (unsealed) login-flow cookie: SameSite=Lax, no Domain, as FlyteAdmin sets the CSRF and redirect cookies. */
  flowCookie(name: string, value: string, expired = false): string {
    return setCookieHeader(name, value, this.settings, { sameSite: "LaxMode", domain: false, expired });
  }

  /** The sealed auth-code cookie, expired once the code is minted. */
  expiredAuthCodeCookie(): string {
    return setCookieHeader(COOKIE.authCode, "", this.settings, { expired: true });
  }

  #splitAccessToken(cookies: ReadonlyMap<string, string>): string | undefined {
    const first = this.#read(cookies, COOKIE.accessTokenFirst);
    const second = this.#read(cookies, COOKIE.accessTokenSecond);
    return first && second ? first + second : undefined;
  }

  #read(cookies: ReadonlyMap<string, string>, name: string): string | undefined {
    const sealed = cookies.get(name);
    if (!sealed) return undefined;
    const value = this.#codec.open(name, sealed);
    return value ? value : undefined;
  }

  #write(name: string, value: string): string {
    return setCookieHeader(name, this.#codec.seal(name, value), this.settings);
  }
}
