/**
 * A scripted browser for login flows: fetch without automatic redirects, a
 * cookie jar honouring Domain-less host scoping, Path, expiry and Secure (sent
 * over plain HTTP only to loopback hosts, as browsers do).
 */

interface StoredCookie {
  value: string;
  path: string;
  secure: boolean;
  expires: number | undefined;
}

/**
 * Keeps cookies per host and sends them back.
 *
 * @example
 * const browser = new Browser();
 * const res = await browser.get("http://127.0.0.1:8088/login");
 */
export class Browser {
  readonly #jar = new Map<string, Map<string, StoredCookie>>();

  /** One request (no redirect following); stores the Set-Cookie values it gets. */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const u = new URL(url);
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(u);
    if (cookie) headers.set("cookie", cookie);
    const res = await fetch(u, { ...init, headers, redirect: "manual" });
    this.store(u, res.headers.getSetCookie());
    return res;
  }

  get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(url, { headers });
  }

  postForm(url: string, form: Record<string, string>): Promise<Response> {
    return this.request(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
    });
  }

  /**
   * Follows redirects from `url` until one points at a URL `stop` accepts
   * (returned unfollowed) or a response is not a redirect (returned).
   */
  async follow(url: string, stop: (next: URL) => boolean): Promise<{ url: string; res?: Response }> {
    let current = url;
    for (let hops = 0; hops < 20; hops++) {
      const res = await this.get(current);
      const location = res.headers.get("location");
      if (res.status < 300 || res.status >= 400 || !location) return { url: current, res };
      await res.body?.cancel();
      const next = new URL(location, current);
      if (stop(next)) return { url: next.toString() };
      current = next.toString();
    }
    throw new Error("too many redirects");
  }

  /** The Cookie header a browser would send to `u`. */
  cookieHeader(u: URL): string {
    const now = Date.now();
    const pairs: string[] = [];
    const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
    for (const [name, c] of this.#jar.get(u.host) ?? []) {
      if (c.expires !== undefined && c.expires <= now) continue;
      if (c.secure && u.protocol !== "https:" && !loopback) continue;
      if (!pathMatches(u.pathname, c.path)) continue;
      pairs.push(`${name}=${c.value}`);
    }
    return pairs.join("; ");
  }

  /** The value of a cookie held for `host` (`host:port`). */
  cookie(host: string, name: string): string | undefined {
    return this.#jar.get(host)?.get(name)?.value;
  }

  /** Overwrites a cookie, as an attacker with access to the browser could. */
  setCookie(host: string, name: string, value: string): void {
    const jar = this.#jar.get(host) ?? new Map<string, StoredCookie>();
    const existing = jar.get(name);
    jar.set(name, { value, path: existing?.path ?? "/", secure: existing?.secure ?? false, expires: undefined });
    this.#jar.set(host, jar);
  }

  store(u: URL, setCookies: readonly string[]): void {
    const jar = this.#jar.get(u.host) ?? new Map<string, StoredCookie>();
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(";").map((s) => s.trim());
      const eq = (pair ?? "").indexOf("=");
      if (!pair || eq <= 0) continue;
      const cookie: StoredCookie = {
        value: pair.slice(eq + 1),
        path: defaultPath(u),
        secure: false,
        expires: undefined,
      };
      for (const attr of attrs) {
        const [k, v = ""] = attr.split("=");
        const key = (k ?? "").toLowerCase();
        if (key === "path") cookie.path = v || "/";
        else if (key === "secure") cookie.secure = true;
        else if (key === "max-age") cookie.expires = Date.now() + Number(v) * 1000;
        else if (key === "expires" && cookie.expires === undefined) cookie.expires = Date.parse(v);
      }
      jar.set(pair.slice(0, eq), cookie);
    }
    this.#jar.set(u.host, jar);
  }
}

function defaultPath(u: URL): string {
  const i = u.pathname.lastIndexOf("/");
  return i <= 0 ? "/" : u.pathname.slice(0, i);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/";
}
