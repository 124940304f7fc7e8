/** Rows of `tasks` to and from admin.Task. */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { TimestampSchema } from "@bufbuild/protobuf/wkt";
import type { Insertable, Selectable } from "kysely";
import { microsToTimestamp } from "../../common/time.js";
import { encodeMessageFields } from "../../proto/encoded-once.js";
import { type Task, type TaskClosure, TaskClosureSchema, TaskSchema } from "../../proto/gen/flyteidl/admin/task_pb.js";
import { IdentifierSchema, ResourceType } from "../../proto/gen/flyteidl/core/identifier_pb.js";
import type { ValueCodec } from "../dialect.js";
import type { TasksTable } from "../schema.js";
import type { VersionKey } from "./versioned-entities.js";

export type TaskRow = Selectable<TasksTable>;

/**
 * The row for a compiled task: its closure (TaskClosure{compiled_task, created_at}, written around the compiled
 * task's encoding), the digest of that encoding, its type and short description.
 */
export function taskColumns(
  key: VersionKey,
  compiled: { readonly type: string; readonly bytes: Uint8Array },
  digest: Uint8Array,
  shortDescription: string,
  codec: ValueCodec,
  now: number,
): Insertable<TasksTable> {
  const { compiledTask, createdAt } = TaskClosureSchema.field;
  const closure = encodeMessageFields([
    [compiledTask.number, compiled.bytes],
    [createdAt.number, toBinary(TimestampSchema, microsToTimestamp(now))],
  ]);
  return {
    project: key.project,
    domain: key.domain,
    name: key.name,
    version: key.version,
    closure: codec.bytes(closure),
    digest: codec.bytes(digest),
    type: compiled.type,
    short_description: shortDescription,
    created_at: codec.time(now),
    updated_at: codec.time(now),
  };
}

/** The stored closure of a row. */
export function taskClosureOf(row: TaskRow): TaskClosure {
  return fromBinary(TaskClosureSchema, row.closure);
}

/** The message for a row: the row's creation time wins over the one in the closure. */
export function taskFromRow(row: TaskRow, codec: ValueCodec): Task {
  const closure = taskClosureOf(row);
  closure.createdAt = microsToTimestamp(codec.micros(row.created_at));
  return create(TaskSchema, {
    id: create(IdentifierSchema, {
      resourceType: ResourceType.TASK,
      project: row.project,
      domain: row.domain,
      name: row.name,
      version: row.version,
    }),
    closure,
    shortDescription: row.short_description,
  });
}
