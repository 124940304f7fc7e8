/**
 * A real OpenID Connect provider for auth tests (npm `oidc-provider`, in
 * memory, on a free port), and the scripted sign-in through its development
 * login pages.
 */
import { generateKeyPairSync } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import Provider, { type ClientMetadata, type Configuration } from "oidc-provider";
import type { Browser } from "./browser.js";

/** A user the provider knows. */
export interface IdpUser {
  readonly sub: string;
  readonly name: string;
  readonly email: string;
}

export const ALICE: IdpUser = { sub: "alice", name: "Alice Liddell", email: "alice@example.com" };

export interface TestIdp {
  readonly issuer: string;
  readonly provider: Provider;
  close(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (for servers whose URL must be known before they start). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts a provider with the given clients; `extra` adds provider
 * configuration (features, TTLs).
 *
 * @example
 * const idp = await startIdp([{ client_id: "flyteadmin", client_secret: "s", redirect_uris: [cb] }]);
 */
export async function startIdp(clients: ClientMetadata[], extra: Configuration = {}): Promise<TestIdp> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = privateKey.export({ format: "jwk" });
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [{ ...jwk, kid: "idp-key", use: "sig", alg: "RS256" } as never] },
    cookies: { keys: ["test-cookie-key-0123456789"] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    claims: {
      openid: ["sub"],
      profile: ["name", "preferred_username", "given_name", "family_name", "picture"],
      email: ["email", "email_verified"],
    },
    findAccount: (_ctx, id) => ({
      accountId: id,
      claims: () => {
        const user = id === ALICE.sub ? ALICE : { sub: id, name: id, email: `${id}@example.com` };
        return {
          sub: user.sub,
          name: user.name,
          email: user.email,
          preferred_username: user.sub,
          given_name: user.name.split(" ")[0],
          family_name: user.name.split(" ")[1] ?? "",
        };
      },
    }),
    ...extra,
  });
  provider.on("server_error", (_ctx: unknown, err: Error) => {
    console.error("oidc-provider error", err);
  });
  const server: Server = await new Promise((resolve) => {
    const s = provider.listen(port, "127.0.0.1", () => resolve(s));
  });
  return {
    issuer,
    provider,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Signs `user` in at the provider, starting from its authorization URL (or
 * any URL that redirects there); answers consent prompts; returns the URL the
 * provider finally redirects to (our callback), without following it.
 */
export async function signInAtIdp(browser: Browser, start: string, idpIssuer: string, user: string): Promise<string> {
  const idpHost = new URL(idpIssuer).host;
  let next = start;
  for (let round = 0; round < 5; round++) {
    const { url, res } = await browser.follow(next, (u) => u.host !== idpHost);
    if (!res) return url;
    const page = await res.text();
    const m = /\/interaction\/([^/?#]+)/.exec(new URL(url).pathname);
    if (!m || res.status !== 200) throw new Error(`unexpected IdP page ${url} (${res.status}): ${page.slice(0, 200)}`);
    const prompt = page.includes('name="prompt" value="login"') || page.includes('value="login"') ? "login" : "consent";
    const submit = new URL(`/interaction/${m[1]}`, idpIssuer).toString();
    const posted = await browser.postForm(
      submit,
      prompt === "login" ? { prompt, login: user, password: "any" } : { prompt },
    );
    const location = posted.headers.get("location");
    await posted.body?.cancel();
    if (!location) throw new Error(`IdP ${prompt} submission answered ${posted.status}`);
    next = new URL(location, submit).toString();
    if (new URL(next).host !== idpHost) return next;
  }
  throw new Error("sign-in at the IdP did not finish");
}

/**
 * A provider configuration for an external authorization server that issues
 * client_credentials JWT access tokens (scope `all`) for `resource`, the
 * default resource of every token request.
 */
export function resourceServerConfig(resource: string): Configuration {
  return {
    scopes: ["openid", "all", "offline"],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, r) => ({
          scope: "all offline",
          audience: r,
          accessTokenFormat: "jwt",
          jwt: { sign: { alg: "RS256" } },
        }),
      },
    },
  };
}
