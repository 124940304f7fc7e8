/**
 * GetExecutionData (executions.md §2.6): an execution's inputs and outputs,
 * inline when the configuration lets the server read them and they are
 * small enough, and as URL blobs (signed URLs when
 * `remoteData.signedUrls.enabled`).
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { DataStore } from "../../blob/data-store.js";
import type { Config } from "../../config/schema.js";
import { type UrlBlob, UrlBlobSchema } from "../../proto/gen/flyteidl/admin/common_pb.js";
import {
  type WorkflowExecutionGetDataResponse,
  WorkflowExecutionGetDataResponseSchema,
} from "../../proto/gen/flyteidl/admin/execution_pb.js";
import { type LiteralMap, LiteralMapSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import type { Database } from "../../store/database.js";
import { closureOf, type ExecutionRow, rowKey } from "../../store/repositories/execution-mapper.js";
import type { ExecutionRepository } from "../../store/repositories/execution-repository.js";

/** FlyteAdmin's signed URLs last `durationMinutes`; 0 would expire at once, so we use an hour. */
const DEFAULT_SIGNED_URL_MINUTES = 60;
const MIB = 1024 * 1024;

/**
 * What the server reads for a data response.
 *
 * @example
 * const data = new ExecutionDataReader(db, executions, blobs, config);
 * const response = await data.get(row);
 */
export class ExecutionDataReader {
  readonly #db: Database;
  readonly #executions: ExecutionRepository;
  readonly #blobs: DataStore;
  readonly #remote: Config["remoteData"];
  /** `storage.limits.maxDownloadMBs`: larger objects are never read into a response. */
  readonly #maxDownloadBytes: number;

  constructor(db: Database, executions: ExecutionRepository, blobs: DataStore, config: Config) {
    this.#db = db;
    this.#executions = executions;
    this.#blobs = blobs;
    this.#remote = config.remoteData;
    this.#maxDownloadBytes = config.storage.limits.maxDownloadMBs * MIB;
  }

  async get(row: ExecutionRow): Promise<WorkflowExecutionGetDataResponse> {
    const closure = closureOf(row);
    const inputsUri = row.inputs_uri || (await this.#offloadLegacyInputs(row, closure.computedInputs));
    const out = closure.outputResult;
    const outputUri = out.case === "outputs" && out.value.data.case === "uri" ? out.value.data.value : "";
    const inlineOutputs =
      out.case === "outputs" && out.value.data.case === "values"
        ? out.value.data.value
        : out.case === "outputData"
          ? out.value
          : undefined;
    const [inputs, outputs] = await Promise.all([this.#inputs(inputsUri), this.#outputs(outputUri, inlineOutputs)]);
    return create(WorkflowExecutionGetDataResponseSchema, {
      inputs: inputs.blob,
      fullInputs: inputs.full,
      outputs: outputs.blob,
      fullOutputs: outputs.full,
    });
  }

  /** Rows from before inputs were offloaded keep them in the closure: offload once and remember where. */
  async #offloadLegacyInputs(row: ExecutionRow, computed: LiteralMap | undefined): Promise<string> {
    const key = rowKey(row);
    const uri = this.#blobs.ref("metadata", key.project, key.domain, key.name, "inputs");
    await this.#blobs.write(uri, toBinary(LiteralMapSchema, computed ?? create(LiteralMapSchema)));
    await this.#executions.update(this.#db.kysely, row.id, { inputs_uri: uri });
    return uri;
  }

  async #inputs(uri: string): Promise<{ full: LiteralMap; blob: UrlBlob }> {
    if (uri === "") return { full: create(LiteralMapSchema), blob: create(UrlBlobSchema) };
    const blob = this.#remote.signedUrls.enabled ? await this.#signed(uri) : create(UrlBlobSchema);
    const full = this.#shouldFetch(blob) ? await this.#read(uri) : create(LiteralMapSchema);
    return { full, blob };
  }

  async #outputs(uri: string, inline: LiteralMap | undefined): Promise<{ full: LiteralMap; blob: UrlBlob }> {
    const blob = uri !== "" && this.#remote.signedUrls.enabled ? await this.#signed(uri) : create(UrlBlobSchema);
    if (inline) {
      const small = toBinary(LiteralMapSchema, inline).length < this.#remote.maxSizeInBytes;
      return { full: small ? inline : create(LiteralMapSchema), blob };
    }
    const full = uri !== "" && this.#shouldFetch(blob) ? await this.#read(uri) : create(LiteralMapSchema);
    return { full, blob };
  }

  /** FlyteAdmin's shouldFetchData: local/none schemes, no size cap, or a blob below the cap. */
  #shouldFetch(blob: UrlBlob): boolean {
    const r = this.#remote;
    return (
      r.scheme === "local" || r.scheme === "none" || r.maxSizeInBytes === 0 || Number(blob.bytes) < r.maxSizeInBytes
    );
  }

  /** A readable object under the download cap; anything else is an empty map (the client can follow the URL). */
  async #read(uri: string): Promise<LiteralMap> {
    try {
      const head = await this.#blobs.head(uri);
      if (!head || head.size > this.#maxDownloadBytes) return create(LiteralMapSchema);
      return fromBinary(LiteralMapSchema, await this.#blobs.read(uri));
    } catch {
      return create(LiteralMapSchema);
    }
  }

  async #signed(uri: string): Promise<UrlBlob> {
    const head = await this.#blobs.head(uri);
    const minutes = this.#remote.signedUrls.durationMinutes || DEFAULT_SIGNED_URL_MINUTES;
    const signed = await this.#blobs.signedUrl(uri, { method: "GET", expiresInSeconds: minutes * 60 });
    return create(UrlBlobSchema, { url: signed.url, bytes: BigInt(head?.size ?? 0) });
  }
}
