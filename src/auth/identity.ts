/**
 * From validated token claims to the caller's Identity, by FlyteAdmin's rules
 * (verifyClaims): the audience must be one we expect, `scp` is an array (a
 * string counts as one unsplit scope; without `scp`, the standard `scope`
 * string is read), `user_info` carries the profile, a
 * top-level `email` overrides it, and a user token with neither client id
 * nor scopes gets `all`, as a browser login does. Wrongly-typed claims are
 * refused (FlyteAdmin would panic on some of them).
 */
import { EMPTY_PROFILE, type Identity, type UserProfile } from "../services/types.js";

/** The only scope FlyteAdmin checks: every RPC needs it. */
export const SCOPE_ALL = "all";

/**
 * A claim that cannot be read; the caller gets UNAUTHENTICATED.
 *
 * @example
 * throw new ClaimError("claim client_id is not a string");
 */
export class ClaimError extends Error {}

type Claims = Readonly<Record<string, unknown>>;

/**
 * The identity an access token gives, or a ClaimError.
 *
 * @example
 * const who = identityFromAccessClaims(payload, new Set(["https://admin.example.com"]));
 */
export function identityFromAccessClaims(claims: Claims, expectedAudiences: ReadonlySet<string>): Identity {
  const audiences = audienceList(claims.aud);
  const audience = audiences.find((a) => expectedAudiences.has(a));
  if (audience === undefined) {
    throw new ClaimError(`invalid audience [${audiences.join(" ")}], wanted [${[...expectedAudiences].join(" ")}]`);
  }
  const clientId = optionalString(claims, "client_id");
  // RFC 9068's space-separated `scope` (Keycloak, Auth0, oidc-provider) when there is no `scp` (Okta, ours).
  const scopes =
    claims.scp === undefined && typeof claims.scope === "string" ? spaceSeparated(claims.scope) : scopeList(claims.scp);
  let profile =
    claims.user_info === undefined || claims.user_info === null ? EMPTY_PROFILE : profileOf(claims.user_info);
  if (claims.email !== undefined) profile = { ...profile, email: optionalString(claims, "email") };
  if (clientId === "" && scopes.length === 0) scopes.push(SCOPE_ALL);
  return makeIdentity({ claims, clientId, scopes, profile, audience });
}

/** The identity an OIDC ID token gives: always scope `all`, the profile from the login cookie when there is one. */
export function identityFromIdTokenClaims(claims: Claims, profile: UserProfile | undefined): Identity {
  const audience = audienceList(claims.aud)[0] ?? "";
  return makeIdentity({ claims, clientId: "", scopes: [SCOPE_ALL], profile: profile ?? EMPTY_PROFILE, audience });
}

function makeIdentity(parts: {
  claims: Claims;
  clientId: string;
  scopes: string[];
  profile: UserProfile;
  audience: string;
}): Identity {
  const subject = optionalString(parts.claims, "sub");
  const iat = parts.claims.iat;
  return Object.freeze({
    subject,
    clientId: parts.clientId,
    scopes: Object.freeze(parts.scopes),
    claims: Object.freeze({ ...parts.claims }),
    userInfo: Object.freeze({ ...parts.profile, subject: parts.profile.subject || subject }),
    audience: parts.audience,
    issuedAt: typeof iat === "number" ? iat : 0,
  });
}

/** An OIDC claim set (an IdP userinfo answer, a `user_info` claim) as a profile; unknown keys ignored. */
export function profileOf(value: unknown): UserProfile {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ClaimError("failed to unmarshal user info claim into UserInfo type");
  }
  const v = value as Claims;
  return {
    subject: lenientString(v, "subject") || lenientString(v, "sub"),
    name: lenientString(v, "name"),
    preferredUsername: lenientString(v, "preferred_username"),
    givenName: lenientString(v, "given_name"),
    familyName: lenientString(v, "family_name"),
    email: lenientString(v, "email"),
    picture: lenientString(v, "picture"),
  };
}

/** A profile as the `user_info` claim and the user-info cookie carry it: proto field names, empty fields left out. */
export function profileClaim(p: UserProfile): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (k: string, v: string) => {
    if (v !== "") out[k] = v;
  };
  put("subject", p.subject);
  put("name", p.name);
  put("preferred_username", p.preferredUsername);
  put("given_name", p.givenName);
  put("family_name", p.familyName);
  put("email", p.email);
  put("picture", p.picture);
  return out;
}

/**
 * The headers FlyteAdmin's gateway adds to `/me`: `X-User-Subject`, and one
 * `X-User-Claim-<Name>` per claim holding its JSON. Non-ASCII is escaped in
 * the JSON (still the same value) because header values must be ASCII; a claim
 * name that cannot be a header name is skipped.
 */
export function userInfoHeaders(subject: string, claims: Claims): Map<string, string> {
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(claims)) {
    const header = `X-User-Claim-${canonicalMime(name.replaceAll("_", "-"))}`;
    if (!/^[A-Za-z0-9!#$%&'*+.^`|~-]+$/.test(header)) continue;
    headers.set(header, asciiJson(value));
  }
  headers.set("X-User-Subject", asciiHeaderValue(subject));
  return headers;
}

function canonicalMime(name: string): string {
  return name
    .split("-")
    .map((p) => (p ? (p[0] as string).toUpperCase() + p.slice(1).toLowerCase() : p))
    .join("-");
}

function asciiJson(value: unknown): string {
  return (JSON.stringify(value) ?? "null").replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function asciiHeaderValue(text: string): string {
  return text.replace(/[^\u0020-\u007e]/g, "?");
}

function audienceList(aud: unknown): string[] {
  if (typeof aud === "string") return [aud];
  if (Array.isArray(aud) && aud.every((a) => typeof a === "string")) return aud as string[];
  if (aud === undefined) return [];
  throw new ClaimError("invalid aud claim");
}

function spaceSeparated(text: string): string[] {
  return text.split(" ").filter((s) => s !== "");
}

function scopeList(scp: unknown): string[] {
  if (scp === undefined) return [];
  if (typeof scp === "string") return [scp];
  if (Array.isArray(scp) && scp.every((s) => typeof s === "string")) return [...(scp as string[])];
  throw new ClaimError(`failed getting scope claims due to unknown type ${Array.isArray(scp) ? "array" : typeof scp}`);
}

function optionalString(claims: Claims, key: string): string {
  const v = claims[key];
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw new ClaimError(`claim ${key} is not a string`);
  return v;
}

/** Profile fields are informational: a value of another type reads as empty rather than failing the login. */
function lenientString(claims: Claims, key: string): string {
  const v = claims[key];
  return typeof v === "string" ? v : "";
}
