/**
 * `executor.local.runtime: docker`: the command line that runs a task
 * attempt in its image instead of as a local process. The store and the
 * attempt's working directory are mounted at the same paths inside the
 * container, so `file://` references mean the same thing there; co-pilot
 * input/output directories are mounted at the paths the task declared.
 * Kubernetes semantics for command/args: `command` replaces the image's
 * entrypoint, `args` its default arguments. Untested against a real Docker
 * engine (none on the machines this was written on).
 */

export interface DockerRunSpec {
  /** The docker CLI (`executor.local.docker.command`). */
  readonly docker: string;
  /** Extra `docker run` arguments (`executor.local.docker.runArgs`). */
  readonly extraArgs: readonly string[];
  /** Container name, unique per attempt. */
  readonly name: string;
  readonly image: string;
  /** The task's rendered command and args. */
  readonly command: readonly string[];
  readonly args: readonly string[];
  /** Environment of the container. */
  readonly env: Readonly<Record<string, string>>;
  readonly workDir: string;
  /** Host directories mounted at the same path (the local store's root, ...). */
  readonly sharedDirs: readonly string[];
  /** host path → container path mounts (co-pilot directories). */
  readonly mounts: ReadonlyArray<{ readonly host: string; readonly container: string }>;
  /** Kubernetes quantities from the task's resource limits, when set. */
  readonly cpuLimit?: string | undefined;
  readonly memoryLimit?: string | undefined;
}

/** Kubernetes CPU quantity ("500m", "2") as `docker --cpus` wants it ("0.5", "2"). */
export function dockerCpus(quantity: string): string | undefined {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity.trim());
  if (!m) return undefined;
  const cores = m[2] === "m" ? Number(m[1]) / 1000 : Number(m[1]);
  return cores > 0 ? String(cores) : undefined;
}

const MEMORY_UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** Kubernetes memory quantity ("200Mi", "1G") as bytes for `docker --memory`. */
export function dockerMemory(quantity: string): string | undefined {
  const m = /^(\d+(?:\.\d+)?)(k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(quantity.trim());
  if (!m) return undefined;
  const bytes = Math.floor(Number(m[1]) * (MEMORY_UNITS[m[2] ?? ""] ?? 1));
  return bytes > 0 ? String(bytes) : undefined;
}

/** The argv of `docker run` for one attempt. */
export function dockerRunArgv(spec: DockerRunSpec): string[] {
  const argv = [spec.docker, "run", "--rm", "--init", "--name", spec.name, "--workdir", spec.workDir];
  const seen = new Set<string>();
  for (const dir of [...spec.sharedDirs, spec.workDir]) {
    if (seen.has(dir)) continue;
    seen.add(dir);
    argv.push("--volume", `${dir}:${dir}`);
  }
  for (const m of spec.mounts) argv.push("--volume", `${m.host}:${m.container}`);
  for (const key of Object.keys(spec.env).sort()) argv.push("--env", `${key}=${spec.env[key]}`);
  const cpus = spec.cpuLimit ? dockerCpus(spec.cpuLimit) : undefined;
  if (cpus) argv.push("--cpus", cpus);
  const memory = spec.memoryLimit ? dockerMemory(spec.memoryLimit) : undefined;
  if (memory) argv.push("--memory", memory);
  argv.push(...spec.extraArgs);
  const [entrypoint, ...commandRest] = spec.command;
  if (entrypoint !== undefined) argv.push("--entrypoint", entrypoint);
  argv.push(spec.image, ...commandRest, ...spec.args);
  return argv;
}
