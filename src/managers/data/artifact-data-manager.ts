/**
 * DataProxyService's execution-data RPCs (transport-auth.md §4.4):
 * CreateDownloadLink (a signed URL for a node's deck) and GetData (what a
 * `flyte://v1/...` URL names: a node's or a task attempt's inputs or
 * outputs, one literal of them, or the deck). Upload locations are
 * dataproxy-manager.ts's business.
 */
import { create } from "@bufbuild/protobuf";
import type { DataStore } from "../../blob/data-store.js";
import { goDurationMs } from "../../common/duration.js";
import { microsToTimestamp, nanosToDuration } from "../../common/time.js";
import { protoText } from "../../compiler/index.js";
import type { Config } from "../../config/schema.js";
import { AdminError } from "../../errors/admin-error.js";
import {
  type NodeExecutionIdentifier,
  NodeExecutionIdentifierSchema,
  type TaskExecutionIdentifier,
  TaskExecutionIdentifierSchema,
} from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { type LiteralMap, LiteralMapSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import {
  ArtifactType,
  type CreateDownloadLinkRequest,
  CreateDownloadLinkRequestSchema,
  type CreateDownloadLinkResponse,
  CreateDownloadLinkResponseSchema,
  type GetDataRequest,
  type GetDataResponse,
  GetDataResponseSchema,
  PreSignedURLsSchema,
} from "../../proto/gen/flyteidl/service/dataproxy_pb.js";
import { validateDuration } from "../dataproxy-manager.js";
import { nodeIdText, taskIdText } from "../events/event-errors.js";
import type { NodeExecutionManager } from "../node-execution-manager.js";
import type { TaskExecutionManager } from "../task-execution-manager.js";
import { type ParsedFlyteUrl, parseFlyteUrl } from "./flyte-urls.js";

export interface ArtifactDataDeps {
  readonly nodes: NodeExecutionManager;
  readonly tasks: TaskExecutionManager;
  readonly blobs: DataStore;
  readonly config: Config["server"]["dataProxy"];
}

/**
 * Execution data through DataProxyService.
 *
 * @example
 * const { data } = await artifacts.getData({ flyteUrl: "flyte://v1/p/d/exec/n0/o" });
 */
export class ArtifactDataManager {
  readonly #d: ArtifactDataDeps;
  readonly #downloadMaxNanos: number;

  constructor(deps: ArtifactDataDeps) {
    this.#d = deps;
    this.#downloadMaxNanos =
      goDurationMs(deps.config.download.maxExpiresIn, "server.dataProxy.download.maxExpiresIn") * 1e6;
  }

  /** A signed GET URL for the deck of the node the request names. */
  async createDownloadLink(req: CreateDownloadLinkRequest): Promise<CreateDownloadLinkResponse> {
    const invalid = "error while validating request. Error: ";
    const nanos = validateDuration(req.expiresIn, this.#downloadMaxNanos, `${invalid}expiresIn is invalid. Error: `);
    if (req.artifactType === ArtifactType.UNDEFINED) {
      throw AdminError.invalidArgument(`${invalid}invalid artifact type [ARTIFACT_TYPE_UNDEFINED]`);
    }
    if (req.source.case !== "nodeExecutionId")
      throw AdminError.invalidArgument(`${invalid}source is required. Provided nil`);
    const nodeId = req.source.value;
    const node = await this.#d.nodes
      .get({ $typeName: "flyteidl.admin.NodeExecutionGetRequest", id: nodeId })
      .catch((err) => {
        throw AdminError.invalidArgument(
          `failed to find node execution [${nodeIdText(nodeId)}]. Error: ${(err as Error).message}`,
        );
      });
    const deck = req.artifactType === ArtifactType.DECK ? (node.closure?.deckUri ?? "") : "";
    if (deck === "") {
      const shown = create(CreateDownloadLinkRequestSchema, { ...req, expiresIn: nanosToDuration(nanos) });
      throw AdminError.notFound(`no deckUrl found for request [${protoText(CreateDownloadLinkRequestSchema, shown)}]`);
    }
    let info: Awaited<ReturnType<DataStore["head"]>>;
    try {
      info = await this.#d.blobs.head(deck);
    } catch (err) {
      throw AdminError.internal(`failed to head object before signing url. Error: ${(err as Error).message}`);
    }
    if (info === undefined) throw AdminError.notFound("object not found");
    let signed: Awaited<ReturnType<DataStore["signedUrl"]>>;
    try {
      signed = await this.#d.blobs.signedUrl(deck, { method: "GET", expiresInSeconds: nanos / 1e9 });
    } catch (err) {
      throw AdminError.internal(`failed to create a signed url. Error: ${(err as Error).message}`);
    }
    const expiresAt = microsToTimestamp(signed.expiresAt);
    return create(CreateDownloadLinkResponseSchema, {
      signedUrl: [signed.url],
      expiresAt,
      preSignedUrls: { signedUrl: [signed.url], expiresAt },
    });
  }

  /** Resolves a flyte URL. */
  async getData(req: GetDataRequest): Promise<GetDataResponse> {
    const url = parseFlyteUrl(req.flyteUrl);
    const nodeId = create(NodeExecutionIdentifierSchema, {
      nodeId: url.nodeId,
      executionId: { project: url.project, domain: url.domain, name: url.name },
    });
    return url.attempt === undefined ? this.#nodeData(nodeId, url) : this.#taskData(nodeId, url.attempt, url);
  }

  async #nodeData(id: NodeExecutionIdentifier, url: ParsedFlyteUrl): Promise<GetDataResponse> {
    const data = await this.#d.nodes.getData({ $typeName: "flyteidl.admin.NodeExecutionGetDataRequest", id });
    if (url.ioType === "d") {
      const link = await this.createDownloadLink(
        create(CreateDownloadLinkRequestSchema, {
          artifactType: ArtifactType.DECK,
          source: { case: "nodeExecutionId", value: id },
        }),
      );
      const urls = link.preSignedUrls ?? create(PreSignedURLsSchema);
      return create(GetDataResponseSchema, { data: { case: "preSignedUrls", value: urls } });
    }
    const map = url.ioType === "i" ? data.fullInputs : data.fullOutputs;
    return literalResponse(map, url.literalName, () => `node execution [${nodeIdText(id)}]`);
  }

  /** A task attempt's data: the attempt is found by listing the node's attempts with that retry number. */
  async #taskData(nodeId: NodeExecutionIdentifier, attempt: number, url: ParsedFlyteUrl): Promise<GetDataResponse> {
    const partial = create(TaskExecutionIdentifierSchema, { nodeExecutionId: nodeId, retryAttempt: attempt });
    const list = await this.#d.tasks
      .list({
        $typeName: "flyteidl.admin.TaskExecutionListRequest",
        nodeExecutionId: nodeId,
        limit: 1,
        token: "",
        filters: `eq(retry_attempt,${attempt})`,
      })
      .catch((err) => {
        throw AdminError.invalidArgument(
          `failed to list task executions [${taskIdText(partial)}]. Error: ${(err as Error).message}`,
        );
      });
    const found = list.taskExecutions[0]?.id;
    if (found === undefined) {
      throw AdminError.invalidArgument(`no task executions were listed [${taskIdText(partial)}]. Error: <nil>`);
    }
    const data = await this.#d.tasks.getData({ $typeName: "flyteidl.admin.TaskExecutionGetDataRequest", id: found });
    if (url.ioType === "d") {
      throw AdminError.invalidArgument("deck type cannot be specified with a retry attempt, just use the node instead");
    }
    const map = url.ioType === "i" ? data.fullInputs : data.fullOutputs;
    return literalResponse(
      map,
      url.literalName,
      () => `task execution [${taskIdText(found as TaskExecutionIdentifier)}]`,
    );
  }
}

/** The whole map, or one literal of it (INVALID_ARGUMENT when the map has no such name). */
function literalResponse(map: LiteralMap | undefined, name: string, where: () => string): GetDataResponse {
  if (name === "") {
    return create(GetDataResponseSchema, { data: { case: "literalMap", value: map ?? create(LiteralMapSchema) } });
  }
  const literal = map?.literals[name];
  if (literal === undefined) throw AdminError.invalidArgument(`name [${name}] not found in ${where()}`);
  return create(GetDataResponseSchema, { data: { case: "literal", value: literal } });
}
