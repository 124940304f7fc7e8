/**
 * What FlyteAdmin's config loader (flytestdlib over viper and mapstructure)
 * accepts that a plain schema would not: `--config` globs, the deprecated
 * top-level `database.host/port/...` keys, `customData` written as a list of
 * one-key maps (mapstructure's weak decoding merges them), and keys of
 * sections we do not act on. These run on the merged YAML before validation.
 */
import { readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { ZodType } from "zod";

/**
 * `--config` arguments to files: a pattern in the last path segment (`/etc/flyte/config/*.yaml`) matches the
 * files of that folder in name order, as Go's `filepath.Glob`; a plain path is kept as given (a missing file is
 * reported when read). A pattern that matches nothing is an error, as it is for FlyteAdmin when no file is found.
 */
export function expandConfigArgs(args: readonly string[]): string[] {
  const files: string[] = [];
  for (const arg of args) {
    if (!/[*?[]/.test(basename(arg))) {
      files.push(arg);
      continue;
    }
    const dir = dirname(arg);
    const re = globRegExp(basename(arg));
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      names = [];
    }
    const matched = names.filter((n) => re.test(n) && statSync(join(dir, n)).isFile()).map((n) => join(dir, n));
    if (matched.length === 0) throw new Error(`no config file matches ${arg}`);
    files.push(...matched);
  }
  return files;
}

/** Go's `filepath.Match` for one segment: `*`, `?` and `[...]` classes. */
function globRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        re += `[${pattern
          .slice(i + 1, end)
          .replace(/^\^/, "!")
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The deprecated top-level database keys and the `database.postgres` key each overrides (flytestdlib `GetConfig`). */
const DEPRECATED_DB_KEYS = ["host", "port", "dbname", "username", "password", "passwordPath", "options", "debug"];

/** Rewrites FlyteAdmin's accepted spellings into the schema's; returns a new object. */
export function normalizeFlyteAdminConfig(input: Obj): Obj {
  const out: Obj = { ...input };
  if (isObj(out.database)) {
    const db: Obj = { ...out.database };
    const pg: Obj = isObj(db.postgres) ? { ...db.postgres } : {};
    for (const key of DEPRECATED_DB_KEYS) {
      if (!(key in db)) continue;
      const v = db[key];
      // As flytestdlib: a deprecated value overrides only when it is set (non-empty, non-zero, true).
      if (v !== "" && v !== 0 && v !== false && v !== null && v !== undefined) pg[key] = v;
      delete db[key];
    }
    if (Object.keys(pg).length > 0) db.postgres = pg;
    out.database = db;
  }
  if (isObj(out.cluster_resources)) {
    const cr: Obj = { ...out.cluster_resources };
    if (cr.customData !== undefined) {
      const byDomain = mergeListOfMaps(cr.customData);
      for (const [domain, data] of Object.entries(byDomain)) byDomain[domain] = mergeListOfMaps(data);
      cr.customData = byDomain;
    }
    if (cr.templateData !== undefined) cr.templateData = mergeListOfMaps(cr.templateData);
    out.cluster_resources = cr;
  }
  return out;
}

/** mapstructure's weak decoding of `[{a: 1}, {b: 2}]` into `{a: 1, b: 2}`; a map stays as it is. */
function mergeListOfMaps(v: unknown): Obj {
  if (isObj(v)) return { ...v };
  if (!Array.isArray(v)) return {};
  const out: Obj = {};
  for (const item of v) if (isObj(item)) Object.assign(out, item);
  return out;
}

interface ZodDef {
  type?: string;
  shape?: Record<string, ZodType>;
  innerType?: ZodType;
  in?: ZodType;
  out?: ZodType;
  options?: ZodType[];
}

/** The object shape behind defaults, prefaults, optionals and pipes, or undefined for non-objects. */
function objectShape(schema: ZodType | undefined): Record<string, ZodType> | undefined {
  let s: ZodType | undefined = schema;
  for (let i = 0; i < 10 && s; i++) {
    const def = (s as unknown as { _zod: { def: ZodDef } })._zod.def;
    if (def.type === "object") return def.shape;
    s = def.innerType ?? def.in;
  }
  return undefined;
}

/**
 * The dotted paths of `input` the schema does not read (it strips them): sections of FlyteAdmin (or of the
 * other Flyte components sharing the chart's files) that we accept and do not act on. Maps and lists under a
 * known key are not descended into.
 */
export function unusedKeys(schema: ZodType, input: unknown, prefix = ""): string[] {
  const shape = objectShape(schema);
  if (!shape || !isObj(input)) return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(input)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const child = shape[key];
    if (child === undefined) out.push(path);
    else out.push(...unusedKeys(child, value, path));
  }
  return out;
}
