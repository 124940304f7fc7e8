/**
 * Which end-of-login redirect targets are allowed. FlyteAdmin checks a
 * `redirect_url` only when /login starts a new flow, and follows it unchecked
 * from /login with valid cookies, from /callback and from /logout (open
 * redirects). We check every target on every path: a same-origin path, our
 * own origin, or an origin listed in `auth.authorizedUris`.
 */
import type { PublicUrl } from "./public-url.js";

const PLACEHOLDER_ORIGIN = "http://self.invalid";

/**
 * The target to redirect to, normalized for a `Location` header, or
 * undefined when it must be refused.
 *
 * @example
 * safeRedirect("/console", "admin:8088", authorized);               // "/console"
 * safeRedirect("https://evil.example/", "admin:8088", authorized);  // undefined
 */
export function safeRedirect(
  target: string,
  requestHost: string | undefined,
  authorized: readonly PublicUrl[],
): string | undefined {
  // Browsers drop tabs and newlines and read `\` as `/`, which turns innocent-looking paths into other origins.
  if (hasControlOrBackslash(target)) return undefined;
  if (isAbsolute(target)) return absoluteTarget(target, requestHost, authorized);
  let resolved: URL;
  try {
    resolved = new URL(target, `${PLACEHOLDER_ORIGIN}/`);
  } catch {
    return undefined;
  }
  if (resolved.origin !== PLACEHOLDER_ORIGIN) return undefined;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}

function isAbsolute(target: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(target);
}

function absoluteTarget(
  target: string,
  requestHost: string | undefined,
  authorized: readonly PublicUrl[],
): string | undefined {
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    return undefined;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return undefined;
  if (u.username !== "" || u.password !== "") return undefined;
  const sameOrigin = requestHost !== undefined && u.host.toLowerCase() === requestHost.toLowerCase();
  const listed = authorized.some((a) => a.hostname === u.hostname && a.port === u.port && a.protocol === u.protocol);
  return sameOrigin || listed ? u.href : undefined;
}

function hasControlOrBackslash(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x5c) return true;
  }
  return false;
}
