/** Rows of `projects` to and from admin.Project. */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { Selectable } from "kysely";
import { type Domain, type Project, ProjectSchema } from "../../proto/gen/flyteidl/admin/project_pb.js";
import type { ValueCodec } from "../dialect.js";
import type { ProjectsTable } from "../schema.js";

export type ProjectRow = Selectable<ProjectsTable>;

/** The columns written for a project. FlyteAdmin keeps the whole message in `labels` and reads back only its labels. */
export function projectColumns(p: Project, codec: ValueCodec) {
  return {
    identifier: p.id,
    name: p.name,
    description: p.description,
    labels: p.labels ? codec.bytes(toBinary(ProjectSchema, p)) : null,
    state: p.state,
  };
}

/** The message for a row, with the configured domains. */
export function projectFromRow(row: ProjectRow, domains: readonly Domain[]): Project {
  const stored = row.labels && row.labels.length > 0 ? fromBinary(ProjectSchema, row.labels) : undefined;
  return create(ProjectSchema, {
    id: row.identifier,
    name: row.name,
    description: row.description,
    labels: stored?.labels,
    state: row.state,
    domains: [...domains],
  });
}
