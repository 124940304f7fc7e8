/**
 * SignalService (transport-auth.md §4.5): FlytePropeller's gate nodes create
 * a signal and poll it; a user (console, flytekit) sets its value, which must
 * be castable to the signal's type.
 */
import { create, equals, toBinary } from "@bufbuild/protobuf";
import { areTypesCastable, literalTypeForLiteral, protoText, validateLiteralType } from "../compiler/index.js";
import { AdminError } from "../errors/admin-error.js";
import {
  type Signal,
  type SignalGetOrCreateRequest,
  type SignalList,
  type SignalListRequest,
  SignalListSchema,
  type SignalSetRequest,
} from "../proto/gen/flyteidl/admin/signal_pb.js";
import type { SignalIdentifier } from "../proto/gen/flyteidl/core/identifier_pb.js";
import { LiteralSchema } from "../proto/gen/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema } from "../proto/gen/flyteidl/core/types_pb.js";
import { parseFilters } from "../store/list/filters.js";
import { nextToken, parseSort, parseToken, requireLimit } from "../store/list/paging.js";
import { type SignalKey, signalFromRow } from "../store/repositories/signal-mapper.js";
import type { SignalRepository } from "../store/repositories/signal-repository.js";
import { requireWorkflowExecutionId } from "./validation/execution-ids.js";

/**
 * The rules of signals.
 *
 * @example
 * const signal = await signals.getOrCreate({ id, type });
 */
export class SignalManager {
  readonly #repo: SignalRepository;

  constructor(repo: SignalRepository) {
    this.#repo = repo;
  }

  /**
   * The signal, created with the request's type if new. Asking again with a
   * different type is ALREADY_EXISTS (a signal's type never changes).
   */
  async getOrCreate(req: SignalGetOrCreateRequest): Promise<Signal> {
    const key = signalKey(req.id);
    if (req.type === undefined) throw AdminError.missing("type");
    const row = await this.#repo.getOrCreate(key, toBinary(LiteralTypeSchema, req.type));
    const signal = signalFromRow(row);
    if (signal.type === undefined || !equals(LiteralTypeSchema, signal.type, req.type)) {
      throw AdminError.alreadyExists(
        `value with matching already exists (signal [${keyText(key)}] exists with type [${protoText(LiteralTypeSchema, signal.type)}])`,
      );
    }
    return signal;
  }

  async list(req: SignalListRequest): Promise<SignalList> {
    let execution: { project: string; domain: string; name: string };
    try {
      execution = requireWorkflowExecutionId(req.workflowExecutionId);
    } catch {
      throw AdminError.missing("execution_id");
    }
    requireLimit(req.limit);
    const filters = parseFilters(req.filters, "s");
    const sort = parseSort(req.sortBy, "s");
    const offset = parseToken(req.token, "ListSignals");
    const rows = await this.#repo.list({
      execution: { project: execution.project, domain: execution.domain, name: execution.name },
      filters,
      sort,
      limit: req.limit,
      offset,
    });
    return create(SignalListSchema, {
      signals: rows.map(signalFromRow),
      token: nextToken(offset, rows.length, req.limit),
    });
  }

  /**
   * Sets the value of an existing signal. The value's type must be known
   * (checked first) and castable to the signal's type.
   */
  async set(req: SignalSetRequest): Promise<void> {
    const key = signalKey(req.id);
    const value = req.value;
    if (value === undefined) throw AdminError.missing("value");
    const row = await this.#repo.get(key);
    if (row === undefined) {
      throw AdminError.invalidArgument(
        `failed to validate that signal [${keyText(key)}] exists, err: [signal does not exist]`,
      );
    }
    const stored = signalFromRow(row).type;
    const valueType = literalTypeForLiteral(value);
    const invalid = validateLiteralType(valueType);
    if (invalid !== undefined) {
      throw AdminError.invalidArgument(`Failed to validate literal type for [] with err: ${invalid.description}`);
    }
    if (!areTypesCastable(stored, valueType)) {
      throw AdminError.invalidArgument(
        `requested signal value [${protoText(LiteralSchema, value)}] is not castable to existing signal type [${protoText(LiteralTypeSchema, stored)}]`,
      );
    }
    if (!(await this.#repo.setValue(key, toBinary(LiteralSchema, value)))) {
      throw AdminError.notFound("signal does not exist");
    }
  }
}

/** The key of a complete signal id: `missing id`, `missing execution_id`, `missing signal_id`, then the execution's fields. */
function signalKey(id: SignalIdentifier | undefined): SignalKey {
  if (id === undefined) throw AdminError.missing("id");
  if (id.executionId === undefined) throw AdminError.missing("execution_id");
  if (id.signalId === "") throw AdminError.missing("signal_id");
  const e = requireWorkflowExecutionId(id.executionId);
  return { project: e.project, domain: e.domain, name: e.name, signalId: id.signalId };
}

/** How FlyteAdmin prints a signal key (a Go struct): `{{project domain name} signal}`. */
function keyText(k: SignalKey): string {
  return `{{${k.project} ${k.domain} ${k.name}} ${k.signalId}}`;
}
