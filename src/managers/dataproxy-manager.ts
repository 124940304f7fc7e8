/**
 * DataProxyService (transport-auth.md §4.4): signed upload locations for
 * fast registration (flytekit `pyflyte register`, flytectl `register files`)
 * and the deprecated signed download location. CreateDownloadLink and GetData
 * need node executions and live with them.
 */
import { randomInt } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import type { Duration } from "@bufbuild/protobuf/wkt";
import { CONTENT_MD5_METADATA, type DataStore, type SignedUrlRequest } from "../blob/data-store.js";
import { base32Std } from "../common/base32.js";
import { formatGoDuration, goDurationMs } from "../common/duration.js";
import { durationToNanos, microsToTimestamp } from "../common/time.js";
import type { Config } from "../config/schema.js";
import { AdminError, Code } from "../errors/admin-error.js";
import {
  type CreateDownloadLocationRequest,
  type CreateDownloadLocationResponse,
  CreateDownloadLocationResponseSchema,
  type CreateUploadLocationRequest,
  type CreateUploadLocationResponse,
  CreateUploadLocationResponseSchema,
} from "../proto/gen/flyteidl/service/dataproxy_pb.js";

/** The characters of Kubernetes' `rand.String`, which FlyteAdmin names random uploads with. */
const RANDOM_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
/** protobuf Duration's valid range (about 10,000 years). */
const MAX_DURATION_SECONDS = 315_576_000_000n;

type DataProxyConfig = Config["server"]["dataProxy"];

/**
 * The rules of DataProxyService.
 *
 * @example
 * const dataProxy = new DataProxyManager(blobs, config.server.dataProxy);
 * const { signedUrl, headers } = await dataProxy.createUploadLocation(request);
 */
export class DataProxyManager {
  readonly #store: DataStore;
  readonly #uploadMaxNanos: number;
  readonly #downloadMaxNanos: number;
  readonly #fileNameLength: number;
  readonly #storagePrefix: string;

  constructor(store: DataStore, config: DataProxyConfig) {
    this.#store = store;
    this.#uploadMaxNanos = goDurationMs(config.upload.maxExpiresIn, "server.dataProxy.upload.maxExpiresIn") * 1e6;
    this.#downloadMaxNanos = goDurationMs(config.download.maxExpiresIn, "server.dataProxy.download.maxExpiresIn") * 1e6;
    this.#fileNameLength = config.upload.defaultFileNameLength;
    this.#storagePrefix = config.upload.storagePrefix;
  }

  async createUploadLocation(req: CreateUploadLocationRequest): Promise<CreateUploadLocationResponse> {
    if (req.project === "" || req.domain === "") {
      throw AdminError.invalidArgument("project and domain are required parameters");
    }
    if (req.filenameRoot === "" && req.contentMd5.length === 0) {
      throw AdminError.invalidArgument("content_md5 or filename_root is a required parameter");
    }
    // A caller-chosen full name may already be taken: only the same content may overwrite it.
    if (req.filename !== "" && req.filenameRoot !== "") {
      await this.#requireWritable(this.#uploadRef(req, req.filenameRoot, req.filename), req.contentMd5);
    }
    const expiresInNanos = this.#uploadExpiry(req.expiresIn);
    const filename = req.filename !== "" ? req.filename : randomName(this.#fileNameLength);
    const prefix = req.filenameRoot !== "" ? req.filenameRoot : base32Std(req.contentMd5);
    const ref = this.#uploadRef(req, prefix, filename);
    const contentMd5 = Buffer.from(req.contentMd5).toString("base64");
    const signed = await this.#sign(ref, {
      method: "PUT",
      expiresInSeconds: expiresInNanos / 1e9,
      contentMd5,
      metadata: req.addContentMd5Metadata ? { [CONTENT_MD5_METADATA]: contentMd5 } : undefined,
    });
    return create(CreateUploadLocationResponseSchema, {
      signedUrl: signed.url,
      nativeUrl: ref,
      expiresAt: microsToTimestamp(signed.expiresAt),
      headers: { ...signed.headers },
    });
  }

  async createDownloadLocation(req: CreateDownloadLocationRequest): Promise<CreateDownloadLocationResponse> {
    const expiresInNanos = validateDuration(req.expiresIn, this.#downloadMaxNanos);
    if (req.nativeUrl === "") throw AdminError.missing("native_url");
    const signed = await this.#sign(req.nativeUrl, { method: "GET", expiresInSeconds: expiresInNanos / 1e9 });
    return create(CreateDownloadLocationResponseSchema, {
      signedUrl: signed.url,
      expiresAt: microsToTimestamp(signed.expiresAt),
    });
  }

  /** `<storagePrefix>/<org>/<project>/<domain>/<prefix>/<filename>` in the store, empty segments dropped. */
  #uploadRef(req: CreateUploadLocationRequest, prefix: string, filename: string): string {
    return this.#store.ref(this.#storagePrefix, req.org, req.project, req.domain, prefix, filename);
  }

  /**
   * An existing object may be replaced only by the same content: its recorded
   * Content-MD5 metadata must equal the request's MD5 (base64), or, without
   * that metadata, its entity tag must be the MD5 as hex, base32 or base64.
   */
  async #requireWritable(ref: string, md5: Uint8Array): Promise<void> {
    let info: Awaited<ReturnType<DataStore["head"]>>;
    try {
      info = await this.#store.head(ref);
    } catch (e) {
      if (e instanceof AdminError && e.code !== Code.INTERNAL) throw e;
      throw AdminError.internal(`failed to check if file exists at location [${ref}], Error: ${(e as Error).message}`);
    }
    if (!info) return;
    const taken = AdminError.alreadyExists(
      `file already exists at location [${ref}], specify a matching hash if you wish to rewrite`,
    );
    if (md5.length === 0) throw taken;
    const base64 = Buffer.from(md5).toString("base64");
    const recorded = info.metadata[CONTENT_MD5_METADATA];
    if (recorded) {
      if (recorded !== base64) throw taken;
      return;
    }
    const etag = info.etag ?? "";
    if (etag !== Buffer.from(md5).toString("hex") && etag !== base32Std(md5) && etag !== base64) throw taken;
  }

  #uploadExpiry(expiresIn: Duration | undefined): number {
    if (!expiresIn) return this.#uploadMaxNanos;
    if (!durationIsValid(expiresIn)) {
      throw AdminError.invalidArgument(`expiresIn [${durationText(expiresIn)}] is invalid`);
    }
    const nanos = durationToNanos(expiresIn);
    if (nanos < 0) throw AdminError.invalidArgument(`expiresIn [${formatGoDuration(nanos)}] cannot be negative`);
    if (nanos > this.#uploadMaxNanos) {
      throw AdminError.invalidArgument(
        `expiresIn [${formatGoDuration(nanos)}] cannot exceed max allowed expiration [${formatGoDuration(this.#uploadMaxNanos)}]`,
      );
    }
    return nanos;
  }

  /** Signs with the store; its client errors (a reference it refuses) stay INVALID_ARGUMENT, the rest are INTERNAL. */
  async #sign(ref: string, request: SignedUrlRequest) {
    try {
      return await this.#store.signedUrl(ref, request);
    } catch (e) {
      const message = `failed to create a signed url. Error: ${(e as Error).message}`;
      if (e instanceof AdminError && e.code === Code.INVALID_ARGUMENT) throw AdminError.invalidArgument(message);
      throw AdminError.internal(message);
    }
  }
}

/**
 * FlyteAdmin's validateDuration for downloads: absent means the maximum;
 * negative or above it is refused. `prefix` begins the message (the two
 * download RPCs word it differently).
 */
export function validateDuration(
  d: Duration | undefined,
  maxNanos: number,
  prefix = "error while validating request: expiresIn is invalid. Error: ",
): number {
  if (!d) return maxNanos;
  const fail = (why: string) => AdminError.invalidArgument(`${prefix}${why}`);
  if (!durationIsValid(d)) throw fail(`input duration [${durationText(d)}] is invalid`);
  const nanos = durationToNanos(d);
  if (nanos < 0) throw fail(`input duration [${formatGoDuration(nanos)}] should not less than 0`);
  if (nanos > maxNanos) {
    throw fail(
      `input duration [${formatGoDuration(nanos)}] cannot exceed max allowed expiration [${formatGoDuration(maxNanos)}]`,
    );
  }
  return nanos;
}

/** google.protobuf.Duration's own validity rule: range, nanos range, and one sign. */
function durationIsValid(d: Duration): boolean {
  if (d.seconds > MAX_DURATION_SECONDS || d.seconds < -MAX_DURATION_SECONDS) return false;
  if (d.nanos <= -1e9 || d.nanos >= 1e9) return false;
  return !((d.seconds > 0n && d.nanos < 0) || (d.seconds < 0n && d.nanos > 0));
}

function durationText(d: Duration): string {
  return `seconds:${d.seconds} nanos:${d.nanos}`;
}

function randomName(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += RANDOM_NAME_ALPHABET[randomInt(RANDOM_NAME_ALPHABET.length)];
  return out;
}
