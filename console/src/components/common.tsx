/** Small shared pieces: phase badges, error boxes, tabs, key/value lists. */
import { type KeyboardEvent, type ReactNode, useId, useRef } from "react";
import { phaseTone } from "../lib/format.js";

export function PhaseBadge({ phase }: { phase: string }) {
  return <span className={`phase phase-${phaseTone(phase)}`}>{phase.replaceAll("_", " ")}</span>;
}

export function ErrorBox({ error, title = "Something went wrong" }: { error: unknown; title?: string }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      <strong>{title}</strong>
      <pre>{error instanceof Error ? error.message : String(error)}</pre>
    </div>
  );
}

export function Fields({ items }: { items: [string, ReactNode][] }) {
  return (
    <dl className="fields">
      {items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v ?? "—"}</dd>
        </div>
      ))}
    </dl>
  );
}

/** WAI-ARIA tabs: arrow keys move between tabs, the panel is labelled by its tab. */
export function Tabs<T extends string>({
  tabs,
  value,
  onChange,
  label,
  children,
}: {
  tabs: readonly { id: T; label: string }[];
  value: T;
  onChange: (id: T) => void;
  label: string;
  children: ReactNode;
}) {
  const prefix = useId();
  const refs = useRef(new Map<T, HTMLButtonElement>());
  const onKey = (e: KeyboardEvent) => {
    // From the focused tab (the selection may lag behind fast key presses), else the selected one.
    const focused = tabs.findIndex((t) => refs.current.get(t.id) === document.activeElement);
    const i = focused >= 0 ? focused : tabs.findIndex((t) => t.id === value);
    const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    if (step === 0) return;
    e.preventDefault();
    const next = tabs[(i + step + tabs.length) % tabs.length];
    if (next) {
      onChange(next.id);
      refs.current.get(next.id)?.focus();
    }
  };
  return (
    <div className="tabs">
      <div role="tablist" aria-label={label} onKeyDown={onKey}>
        {tabs.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              if (el) refs.current.set(t.id, el);
            }}
            type="button"
            role="tab"
            id={`${prefix}-${t.id}`}
            aria-controls={`${prefix}-panel`}
            aria-selected={t.id === value}
            tabIndex={t.id === value ? 0 : -1}
            onClick={() => onChange(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${prefix}-panel`} aria-labelledby={`${prefix}-${value}`} className="tabpanel">
        {children}
      </div>
    </div>
  );
}
