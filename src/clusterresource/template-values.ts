/**
 * The values a cluster resource template is rendered with, as FlyteAdmin's
 * controller computes them: `cluster_resources.templateData` for every
 * namespace, the domain's `customData`, the CLUSTER_RESOURCE matchable
 * attributes of the project and domain over those, and the reserved
 * `{{ namespace }}`, `{{ project }}`, `{{ domain }}`. Rendering is plain text
 * replacement of `{{ key }}` (spaces included), custom values first.
 */
import { readFileSync } from "node:fs";

/** A configured value: literal, or from an environment variable or a file. */
export interface DataSource {
  readonly value: string;
  readonly valueFrom: { readonly env: string; readonly filePath: string };
}

/** `{{ name }}` -> value. */
export type TemplateValues = Map<string, string>;

const RESERVED = new Set(["namespace", "project", "domain"]);

/** The placeholder text of a variable, as FlyteAdmin formats it. */
export function placeholder(name: string): string {
  return `{{ ${name} }}`;
}

/**
 * Resolves configured data sources; every problem is collected (FlyteAdmin reports them together) and thrown
 * as one error.
 */
export function resolveDataSources(
  data: Readonly<Record<string, DataSource>>,
  env: NodeJS.ProcessEnv = process.env,
): TemplateValues {
  const out: TemplateValues = new Map();
  const errors: string[] = [];
  for (const [name, source] of Object.entries(data)) {
    if (RESERVED.has(name)) {
      errors.push("Cannot assign namespace template value in user data");
      continue;
    }
    let value: string;
    if (source.value !== "") value = source.value;
    else if (source.valueFrom.env !== "") value = env[source.valueFrom.env] ?? "";
    else if (source.valueFrom.filePath !== "") {
      try {
        value = readFileSync(source.valueFrom.filePath, "utf8");
      } catch (e) {
        errors.push(
          `failed to substitute parameterized value for ${name}: unable to read value from: [${source.valueFrom.filePath}] with err: ${(e as Error).message}`,
        );
        continue;
      }
    } else {
      errors.push(`failed to substitute parameterized value for ${name}: unset or unrecognized ValueFrom`);
      continue;
    }
    if (value === "") {
      errors.push(`failed to substitute parameterized value for ${name}: unset`);
      continue;
    }
    out.set(placeholder(name), value);
  }
  if (errors.length > 0) throw new Error(errors.join("; "));
  return out;
}

/** The domain's values with the stored CLUSTER_RESOURCE attributes over them. */
export function customValues(
  domainValues: TemplateValues | undefined,
  attributes: Readonly<Record<string, string>> | undefined,
): TemplateValues {
  const out: TemplateValues = new Map(domainValues ?? []);
  for (const [k, v] of Object.entries(attributes ?? {})) out.set(placeholder(k), v);
  return out;
}

/** Replaces every placeholder: custom values first, then the reserved and global ones (FlyteAdmin's order). */
export function renderTemplate(
  template: string,
  custom: TemplateValues,
  global: TemplateValues,
  target: { namespace: string; project: string; domain: string },
): string {
  let text = template;
  for (const [k, v] of custom) text = text.replaceAll(k, v);
  const all = new Map(global);
  all.set(placeholder("namespace"), target.namespace);
  all.set(placeholder("project"), target.project);
  all.set(placeholder("domain"), target.domain);
  for (const [k, v] of all) text = text.replaceAll(k, v);
  return text;
}
