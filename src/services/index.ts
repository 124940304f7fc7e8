/**
 * The handler table of every served service, assembled from the per-area
 * handler sets. A method with no handler answers UNIMPLEMENTED.
 */
import type { DescMethod } from "@bufbuild/protobuf";
import type { Managers } from "../managers/index.js";
import { AdminService } from "../proto/gen/flyteidl/service/admin_pb.js";
import { DataProxyService } from "../proto/gen/flyteidl/service/dataproxy_pb.js";
import { attributeHandlers } from "./admin/attribute-handlers.js";
import { projectHandlers } from "./admin/project-handlers.js";
import { taskHandlers } from "./admin/task-handlers.js";
import { dataProxyHandlers } from "./dataproxy/dataproxy-handlers.js";
import type { Handler } from "./types.js";

type HandlerTable = Map<string, Record<string, Handler<DescMethod["input"], DescMethod["output"]> | undefined>>;

/** Handlers keyed by service type name, then method local name. */
export function handlerTable(m: Managers): HandlerTable {
  const table: HandlerTable = new Map();
  table.set(AdminService.typeName, {
    ...projectHandlers(m.projects),
    ...taskHandlers(m.tasks),
    ...attributeHandlers(m.attributes),
  } as never);
  table.set(DataProxyService.typeName, { ...dataProxyHandlers(m.dataProxy) } as never);
  return table;
}
