/** Store keys from (validated) identifiers, and the not-found message of a get by key. */
import type { NodeExecutionIdentifier } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import { executionKeyOf } from "../../store/repositories/execution-mapper.js";
import type { NodeKey } from "../../store/repositories/node-execution-mapper.js";

export { executionKeyOf };

export function nodeKeyOf(id: NodeExecutionIdentifier): NodeKey {
  const e = id.executionId;
  return { project: e?.project ?? "", domain: e?.domain ?? "", name: e?.name ?? "", nodeId: id.nodeId };
}

/** FlyteAdmin's NOT_FOUND message for a get by key; `type` is e.g. `node execution`. */
export function missingEntity(type: string, idText: string): string {
  return `missing entity of type ${type} with identifier ${idText}`;
}
