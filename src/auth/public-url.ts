/**
 * The service's public URL for a request, FlyteAdmin's GetPublicURL: the
 * request's host (`x-forwarded-host`, else `:authority` / `Host`) with the
 * https scheme, replaced by the best-matching `auth.authorizedUris` entry when
 * some are configured. It is the audience Bearer tokens must carry and the
 * base of the OAuth2 endpoints we advertise.
 *
 * Two deliberate differences (docs/compatibility.md): a loopback host gets
 * `http` when the server does not terminate TLS itself, and, because we serve
 * gRPC and HTTP on two ports, a token minted on one port is accepted on the
 * other and the HTTP endpoints we advertise over gRPC name the HTTP port.
 */

/** A URL as Go's url.URL.String() renders it: no trailing slash is added to a bare origin. */
export interface PublicUrl {
  /** The exact text (an authorized URI as configured, or `scheme://host[:port]`). */
  readonly text: string;
  readonly protocol: string;
  readonly hostname: string;
  readonly port: string;
}

export interface PublicUrlSettings {
  /** `auth.authorizedUris`, in order. */
  readonly authorizedUris: readonly string[];
  /** `server.security.secure`: we terminate TLS ourselves. */
  readonly secure: boolean;
}

/** The listening ports, known once both servers are bound. */
export interface ServerPorts {
  http: number;
  grpc: number;
}

type Metadata = ReadonlyMap<string, readonly string[]>;

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** Parses a URL into a PublicUrl keeping the given text; undefined when it is not an absolute http(s) URL. */
export function parsePublicUrl(text: string): PublicUrl | undefined {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return undefined;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return undefined;
  return { text, protocol: u.protocol, hostname: u.hostname, port: u.port };
}

/**
 * Resolves public URLs and expected audiences for requests.
 *
 * @example
 * const urls = new PublicUrls({ authorizedUris: ["https://flyte.example.com"], secure: false }, ports);
 * const url = urls.forHost("flyte.example.com:443");
 */
export class PublicUrls {
  readonly #settings: PublicUrlSettings;
  readonly #authorized: readonly PublicUrl[];
  readonly #ports: ServerPorts;

  constructor(settings: PublicUrlSettings, ports: ServerPorts) {
    this.#settings = settings;
    this.#ports = ports;
    this.#authorized = settings.authorizedUris.map((text) => {
      const u = parsePublicUrl(text);
      if (!u) throw new Error(`auth.authorizedUris: "${text}" is not an absolute http(s) URL`);
      return u;
    });
  }

  get authorized(): readonly PublicUrl[] {
    return this.#authorized;
  }

  /** The public URL for a request whose host (`host[:port]`) is given; undefined without host or authorized URIs. */
  forHost(host: string | undefined): PublicUrl | undefined {
    return this.#choose(host ? this.#base(host) : undefined);
  }

  /** The public URL of an RPC: `x-forwarded-host` (the gateway sets it), else `:authority`. */
  forCall(metadata: Metadata): PublicUrl | undefined {
    return this.forHost(hostOf(metadata));
  }

  /**
   * The base of the HTTP endpoints to advertise for an RPC: its public URL,
   * moved to the HTTP port when the call came to our gRPC port (the
   * advertised token endpoint must speak HTTP).
   */
  httpBaseForCall(metadata: Metadata): PublicUrl | undefined {
    const url = this.forCall(metadata);
    if (!url || this.#ports.grpc === this.#ports.http || url.port !== String(this.#ports.grpc)) return url;
    const moved = `${url.protocol}//${bracketed(url.hostname)}:${this.#ports.http}`;
    return this.#choose(parsePublicUrl(moved)) ?? parsePublicUrl(moved);
  }

  /**
   * Audiences a Bearer token may carry on this request: its public URL, every
   * authorized URI (they all name this service), and the same host on our
   * other port.
   */
  audiencesFor(host: string | undefined): Set<string> {
    const out = new Set<string>();
    const url = this.forHost(host);
    if (url) out.add(url.text);
    for (const a of this.#authorized) out.add(a.text);
    const base = host ? this.#base(host) : undefined;
    if (base && this.#authorized.length === 0) {
      for (const port of [this.#ports.http, this.#ports.grpc]) {
        out.add(`${base.protocol}//${bracketed(base.hostname)}:${port}`);
      }
    }
    return out;
  }

  #base(host: string): PublicUrl | undefined {
    const hostname = host.replace(/:\d+$/, "");
    const scheme = !this.#settings.secure && LOOPBACK.has(hostname.toLowerCase()) ? "http" : "https";
    return parsePublicUrl(`${scheme}://${host}`);
  }

  /** FlyteAdmin's matching: same host and scheme, else same host and port, else same host, else the first. */
  #choose(base: PublicUrl | undefined): PublicUrl | undefined {
    if (this.#authorized.length === 0) return base;
    if (!base) return this.#authorized[0];
    let hostAndPort: PublicUrl | undefined;
    let hostOnly: PublicUrl | undefined;
    for (const a of this.#authorized) {
      if (a.hostname !== base.hostname) continue;
      // As in FlyteAdmin, a later entry overrides an earlier one for the two weaker matches.
      hostOnly = a;
      if (a.port === base.port) hostAndPort = a;
      if (a.protocol === base.protocol) return a;
    }
    return hostAndPort ?? hostOnly ?? this.#authorized[0];
  }
}

/** The host an RPC was addressed to. */
export function hostOf(metadata: Metadata): string | undefined {
  return metadata.get("x-forwarded-host")?.[0] ?? metadata.get(":authority")?.[0] ?? metadata.get("host")?.[0];
}

/** Resolves an absolute path against a public URL (the path replaces any path the URL has). */
export function endpointUrl(base: PublicUrl, path: string): string {
  return new URL(path, base.text).toString();
}

function bracketed(hostname: string): string {
  return hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
}
