/**
 * The launch form of a launch plan: one labelled control per expected input,
 * chosen by its type, defaults filled (or the inputs of an execution being
 * launched again), required inputs and malformed values refused before
 * anything is sent; files are uploaded through CreateUploadLocation. Launch
 * opens the new execution's page.
 */
import { create } from "@bufbuild/protobuf";
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, type KeyboardEvent, type ReactElement, useEffect, useRef, useState } from "react";
import { useNavigate } from "react-router";
import type { LaunchPlan } from "../../../src/proto/gen/flyteidl/admin/launch_plan_pb.js";
import { type Identifier, ResourceType } from "../../../src/proto/gen/flyteidl/core/identifier_pb.js";
import { type Parameter, ParameterSchema } from "../../../src/proto/gen/flyteidl/core/interface_pb.js";
import type { Literal, LiteralMap } from "../../../src/proto/gen/flyteidl/core/literals_pb.js";
import { type LiteralType, SimpleType } from "../../../src/proto/gen/flyteidl/core/types_pb.js";
import { api } from "../api/admin.js";
import { type Control, controlFor, fromText, textOf } from "../lib/launch-inputs.js";
import { typeName } from "../lib/literals.js";
import { ErrorBox } from "./common.js";

interface Field {
  name: string;
  param: Parameter;
  control: Control;
  required: boolean;
  optional: boolean;
}

/** What is launched: a launch plan (its expected inputs) or a single task (its interface's inputs, all required unless Optional). */
interface Target {
  id: Identifier;
  params: Record<string, Parameter>;
  kind: "launch plan" | "task";
}

async function loadTarget(id: Identifier): Promise<Target> {
  if (id.resourceType === ResourceType.TASK) {
    const task = await api.task(id);
    const vars = task.closure?.compiledTask?.template?.interface?.inputs?.variables ?? {};
    const params = Object.fromEntries(
      Object.entries(vars).map(([k, v]) => [
        k,
        create(ParameterSchema, { var: v, behavior: { case: "required", value: !isOptional(v.type) } }),
      ]),
    );
    return { id: task.id ?? id, params, kind: "task" };
  }
  const lp: LaunchPlan = await api.launchPlan(id);
  return {
    id: lp.id ?? id,
    params: lp.closure?.expectedInputs?.parameters ?? lp.spec?.defaultInputs?.parameters ?? {},
    kind: "launch plan",
  };
}

function isOptional(t: LiteralType | undefined): boolean {
  return (
    t?.type.case === "unionType" &&
    t.type.value.variants.some((v) => v.type.case === "simple" && v.type.value === SimpleType.NONE)
  );
}

function fieldsOf(target: Target): Field[] {
  return Object.entries(target.params)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, param]) => {
      const t = param.var?.type;
      return {
        name,
        param,
        control: controlFor(t),
        required: param.behavior.case === "required" && param.behavior.value,
        optional: isOptional(t),
      };
    });
}

function initialText(f: Field, initial: LiteralMap | undefined): string {
  const given: Literal | undefined = initial?.literals[f.name];
  if (given) return textOf(given, f.param.var?.type);
  if (f.param.behavior.case === "default") return textOf(f.param.behavior.value, f.param.var?.type);
  return f.control === "bool" ? "false" : "";
}

export function LaunchForm({
  launchPlanId,
  initial,
  onClose,
}: {
  launchPlanId: Identifier;
  initial?: LiteralMap;
  onClose: () => void;
}) {
  const lp = useQuery({
    queryKey: ["launch-target", launchPlanId],
    queryFn: () => loadTarget(launchPlanId),
    staleTime: Number.POSITIVE_INFINITY,
  });
  const navigate = useNavigate();
  const [values, setValues] = useState<Record<string, string>>({});
  const [files, setFiles] = useState<Record<string, File>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [sending, setSending] = useState(false);
  const [failure, setFailure] = useState<unknown>();
  const dialog = useRef<HTMLDivElement>(null);
  const fields = lp.data ? fieldsOf(lp.data) : [];
  // Focus goes back to what opened the dialog when it closes.
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    return () => opener?.focus();
  }, []);
  useEffect(() => {
    if (!lp.data) return;
    setValues(Object.fromEntries(fieldsOf(lp.data).map((f) => [f.name, initialText(f, initial)])));
    dialog.current?.querySelector<HTMLElement>("input, select, textarea, button[type=submit]")?.focus();
  }, [lp.data, initial]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFailure(undefined);
    const found: Record<string, string> = {};
    const literals: Record<string, ReturnType<typeof fromText>> = {};
    setSending(true);
    try {
      for (const f of fields) {
        let text = values[f.name] ?? "";
        const file = files[f.name];
        if (file) {
          const loc = await api.uploadLocation(launchPlanId.project, launchPlanId.domain, file.name);
          // Only the headers the signature names (a browser-chosen Content-Type could break an S3 signature).
          const put = await fetch(loc.signedUrl, {
            method: "PUT",
            body: await file.arrayBuffer(),
            headers: loc.headers,
          });
          if (!put.ok) throw new Error(`upload of ${file.name} failed: ${put.status}`);
          text = loc.nativeUrl;
        }
        if (text.trim() === "" && f.control !== "string") {
          if (f.required) found[f.name] = "required";
          else if (f.optional) literals[f.name] = fromText("", f.param.var?.type);
          continue;
        }
        try {
          literals[f.name] = fromText(text, f.param.var?.type);
        } catch (err) {
          found[f.name] = (err as Error).message;
        }
      }
      setErrors(found);
      if (Object.keys(found).length > 0) {
        dialog.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
        return;
      }
      const created = await api.createExecution({
        project: launchPlanId.project,
        domain: launchPlanId.domain,
        spec: { launchPlan: lp.data?.id ?? launchPlanId, metadata: { mode: 0 } },
        inputs: { literals },
      });
      const id = created.id!;
      onClose();
      navigate(`/projects/${id.project}/domains/${id.domain}/executions/${id.name}`);
    } catch (err) {
      setFailure(err);
    } finally {
      setSending(false);
    }
  }

  return (
    <div className="backdrop">
      <div
        ref={dialog}
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="launch-title"
        onKeyDown={(e) => {
          if (e.key === "Escape") onClose();
          else if (e.key === "Tab") keepFocusInside(e, dialog.current);
        }}
      >
        <h2 id="launch-title">Launch {launchPlanId.name}</h2>
        <p className="muted">
          {lp.data?.kind === "task" ? "Task" : "Launch plan"} version {lp.data?.id?.version ?? launchPlanId.version}
        </p>
        <ErrorBox error={lp.error} />
        <form onSubmit={submit} noValidate aria-label="Launch inputs">
          {fields.length === 0 && lp.data && <p>This {lp.data.kind} takes no inputs.</p>}
          {fields.map((f) => (
            <InputField
              key={f.name}
              field={f}
              value={values[f.name] ?? ""}
              error={errors[f.name]}
              onChange={(v) => {
                setValues((old) => ({ ...old, [f.name]: v }));
                setErrors((old) => ({ ...old, [f.name]: "" }));
              }}
              onFile={(file) => setFiles((old) => ({ ...old, [f.name]: file }))}
            />
          ))}
          <ErrorBox error={failure} title="Launch failed" />
          <div className="actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={sending || !lp.data}>
              {sending ? "Launching…" : "Launch"}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}

/** Tab and Shift+Tab cycle within the modal dialog. */
function keepFocusInside(e: KeyboardEvent, root: HTMLElement | null): void {
  const focusable = root?.querySelectorAll<HTMLElement>("input, select, textarea, button, a[href]");
  if (!focusable || focusable.length === 0) return;
  const first = focusable[0] as HTMLElement;
  const last = focusable[focusable.length - 1] as HTMLElement;
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}

function InputField({
  field,
  value,
  error,
  onChange,
  onFile,
}: {
  field: Field;
  value: string;
  error: string | undefined;
  onChange: (v: string) => void;
  onFile: (f: File) => void;
}) {
  const id = `input-${field.name}`;
  const t = field.param.var?.type;
  const hint = `${typeName(t)}${field.required ? ", required" : ""}${field.param.var?.description ? ` — ${field.param.var.description}` : ""}`;
  const common = {
    id,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": `${id}-hint${error ? ` ${id}-error` : ""}`,
    required: field.required,
  };
  let control: ReactElement;
  switch (field.control) {
    case "bool":
      control = (
        <input
          {...common}
          type="checkbox"
          checked={value === "true"}
          onChange={(e) => onChange(String(e.target.checked))}
        />
      );
      break;
    case "int":
      control = (
        <input
          {...common}
          type="number"
          step="1"
          inputMode="numeric"
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      );
      break;
    case "float":
      control = <input {...common} type="number" step="any" value={value} onChange={(e) => onChange(e.target.value)} />;
      break;
    case "datetime":
      control = (
        <input {...common} type="datetime-local" step="1" value={value} onChange={(e) => onChange(e.target.value)} />
      );
      break;
    case "enum": {
      const values = t?.type.case === "enumType" ? t.type.value.values : [];
      control = (
        <select {...common} value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">—</option>
          {values.map((v) => (
            <option key={v}>{v}</option>
          ))}
        </select>
      );
      break;
    }
    case "file":
      control = (
        <span className="file">
          <input
            {...common}
            type="text"
            placeholder="URI (s3://…, file://…) or choose a file"
            value={value}
            onChange={(e) => onChange(e.target.value)}
          />
          <input
            type="file"
            aria-label={`Upload a file for ${field.name}`}
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) {
                onFile(f);
                onChange(f.name);
              }
            }}
          />
        </span>
      );
      break;
    case "json":
      control = (
        <textarea
          {...common}
          rows={3}
          spellCheck={false}
          placeholder="JSON"
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      );
      break;
    default:
      control = (
        <input
          {...common}
          type="text"
          placeholder={field.control === "duration" ? "e.g. 90s, 1h30m" : field.optional ? "empty for None" : ""}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      );
  }
  return (
    <div className={`field${error ? " invalid" : ""}`}>
      <label htmlFor={id}>{field.name}</label>
      {control}
      <small id={`${id}-hint`}>{hint}</small>
      {error && (
        <small id={`${id}-error`} className="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}
