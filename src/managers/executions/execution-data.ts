/**
 * GetExecutionData (executions.md §2.6): an execution's inputs and outputs
 * (the closure's output URI or inline outputs), through the shared data
 * rules of literal-data.ts.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import type { DataStore } from "../../blob/data-store.js";
import {
  type WorkflowExecutionGetDataResponse,
  WorkflowExecutionGetDataResponseSchema,
} from "../../proto/gen/flyteidl/admin/execution_pb.js";
import { type LiteralMap, LiteralMapSchema } from "../../proto/gen/flyteidl/core/literals_pb.js";
import type { Database } from "../../store/database.js";
import { closureOf, type ExecutionRow, rowKey } from "../../store/repositories/execution-mapper.js";
import type { ExecutionRepository } from "../../store/repositories/execution-repository.js";
import { type DataSettings, inputsData, outputsData } from "../data/literal-data.js";

/**
 * Reads the data of executions.
 *
 * @example
 * const data = new ExecutionDataReader(db, executions, blobs, dataSettings(config));
 * const response = await data.get(row);
 */
export class ExecutionDataReader {
  readonly #db: Database;
  readonly #executions: ExecutionRepository;
  readonly #blobs: DataStore;
  readonly #settings: DataSettings;

  constructor(db: Database, executions: ExecutionRepository, blobs: DataStore, settings: DataSettings) {
    this.#db = db;
    this.#executions = executions;
    this.#blobs = blobs;
    this.#settings = settings;
  }

  async get(row: ExecutionRow): Promise<WorkflowExecutionGetDataResponse> {
    const closure = closureOf(row);
    const inputsUri = row.inputs_uri || (await this.#offloadLegacyInputs(row, closure.computedInputs));
    const out = closure.outputResult;
    const uri = out.case === "outputs" && out.value.data.case === "uri" ? out.value.data.value : "";
    const data =
      out.case === "outputs" && out.value.data.case === "values"
        ? out.value.data.value
        : out.case === "outputData"
          ? out.value
          : undefined;
    const [inputs, outputs] = await Promise.all([
      inputsData(this.#blobs, this.#settings, inputsUri),
      outputsData(this.#blobs, this.#settings, { uri, data }),
    ]);
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
}
