/** Gate nodes waiting on a person: approve/reject (boolean signals) or set a typed value. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { Signal } from "../../../../src/proto/gen/flyteidl/admin/signal_pb.js";
import type { WorkflowExecutionIdentifier } from "../../../../src/proto/gen/flyteidl/core/identifier_pb.js";
import { SimpleType } from "../../../../src/proto/gen/flyteidl/core/types_pb.js";
import { api } from "../../api/admin.js";
import { ErrorBox } from "../../components/common.js";
import { fromText, literalOf } from "../../lib/launch-inputs.js";
import { typeName } from "../../lib/literals.js";

export function Signals({ id }: { id: WorkflowExecutionIdentifier }) {
  const signals = useQuery({ queryKey: ["signals", id.name], queryFn: () => api.signals(id), refetchInterval: 1000 });
  const waiting = signals.data?.signals.filter((s) => !s.value) ?? [];
  if (waiting.length === 0) return null;
  return (
    <section className="signals" aria-label="Waiting for input">
      <h2>Waiting for input</h2>
      {waiting.map((s) => (
        <SignalForm key={s.id?.signalId} execution={id} signal={s} />
      ))}
    </section>
  );
}

function SignalForm({ execution, signal }: { execution: WorkflowExecutionIdentifier; signal: Signal }) {
  const client = useQueryClient();
  const [text, setText] = useState("");
  const [invalid, setInvalid] = useState<string>();
  const signalId = signal.id?.signalId ?? "";
  const set = useMutation({
    mutationFn: (value: string) => api.setSignal(execution, signalId, literalOf(fromText(value, signal.type))),
    onSuccess: () => client.invalidateQueries({ queryKey: ["signals", execution.name] }),
  });
  const boolean = signal.type?.type.case === "simple" && signal.type.type.value === SimpleType.BOOLEAN;
  return (
    <div className="signal">
      <strong>{signalId}</strong> <span className="muted">({typeName(signal.type)})</span>{" "}
      {boolean ? (
        <>
          <button type="button" className="primary" onClick={() => set.mutate("true")}>
            Approve
          </button>
          <button type="button" className="danger" onClick={() => set.mutate("false")}>
            Reject
          </button>
        </>
      ) : (
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            try {
              fromText(text, signal.type);
              setInvalid(undefined);
              set.mutate(text);
            } catch (err) {
              setInvalid((err as Error).message);
            }
          }}
        >
          <label>
            Value for {signalId}{" "}
            <input value={text} onChange={(e) => setText(e.target.value)} aria-invalid={invalid ? true : undefined} />
          </label>
          <button type="submit">Set</button>
          {invalid && <span role="alert">{invalid}</span>}
        </form>
      )}
      <ErrorBox error={set.error} title="Could not set the signal" />
    </div>
  );
}
