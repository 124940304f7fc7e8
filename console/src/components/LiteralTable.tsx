/** Inputs or outputs: one row per name with its value as JSON-ish text. */

import type { UrlBlob } from "../../../src/proto/gen/flyteidl/admin/common_pb.js";
import type { LiteralMap } from "../../../src/proto/gen/flyteidl/core/literals_pb.js";
import { literalValue, valueText } from "../lib/literals.js";

export function LiteralTable({ map, blob, label }: { map: LiteralMap | undefined; blob?: UrlBlob; label: string }) {
  const entries = Object.entries(map?.literals ?? {});
  if (entries.length === 0) {
    if (blob?.url)
      return (
        <p>
          Too large to show here: <a href={blob.url}>{blob.url}</a> ({String(blob.bytes)} bytes)
        </p>
      );
    return <p className="muted">No {label.toLowerCase()}.</p>;
  }
  return (
    <table className="literals" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>
              <pre>{valueText(literalValue(v))}</pre>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
