import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { parseQuantity } from "./quantity.js";

/** Whether a name is a DNS-1123 label (what Kubernetes requires of container names). */
export function isDns1123Label(name: string): boolean {
  return name.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name);
}

type Leaf = "string" | "bool" | "int" | "stringMap" | "quantityMap" | "object";
type Shape = Leaf | { readonly list: Shape } | { readonly fields: Readonly<Record<string, Shape>> };

const list = (item: Shape): Shape => ({ list: item });
const fields = (f: Readonly<Record<string, Shape>>): Shape => ({ fields: f });

const RESOURCES = fields({ limits: "quantityMap", requests: "quantityMap", claims: list("object") });
const CONTAINER = fields({
  name: "string",
  image: "string",
  command: list("string"),
  args: list("string"),
  workingDir: "string",
  env: list(fields({ name: "string", value: "string", valueFrom: "object" })),
  envFrom: list("object"),
  ports: list(fields({ name: "string", containerPort: "int", hostPort: "int", protocol: "string", hostIP: "string" })),
  resources: RESOURCES,
  volumeMounts: list(fields({ name: "string", mountPath: "string", subPath: "string", readOnly: "bool" })),
  imagePullPolicy: "string",
  stdin: "bool",
  tty: "bool",
});

// The PodSpec fields whose JSON type Go's decoder would check; unknown fields are ignored, as Go ignores them.
const POD_SPEC = fields({
  containers: list(CONTAINER),
  initContainers: list(CONTAINER),
  volumes: list(fields({ name: "string" })),
  restartPolicy: "string",
  terminationGracePeriodSeconds: "int",
  activeDeadlineSeconds: "int",
  dnsPolicy: "string",
  nodeSelector: "stringMap",
  serviceAccountName: "string",
  serviceAccount: "string",
  automountServiceAccountToken: "bool",
  nodeName: "string",
  hostNetwork: "bool",
  hostPID: "bool",
  hostIPC: "bool",
  shareProcessNamespace: "bool",
  securityContext: "object",
  imagePullSecrets: list(fields({ name: "string" })),
  hostname: "string",
  subdomain: "string",
  affinity: "object",
  schedulerName: "string",
  tolerations: list(
    fields({ key: "string", operator: "string", value: "string", effect: "string", tolerationSeconds: "int" }),
  ),
  priorityClassName: "string",
  priority: "int",
  runtimeClassName: "string",
  enableServiceLinks: "bool",
  preemptionPolicy: "string",
  overhead: "quantityMap",
});

/**
 * Whether a task's `pod_spec` would decode into a Kubernetes PodSpec: the fields Kubernetes types strictly (lists,
 * strings, booleans, integers, quantities) must have the right JSON type; `null` is accepted anywhere, as Go's
 * decoder accepts it. A practical subset of PodSpec, not all of it.
 */
export function decodesAsPodSpec(spec: JsonObject): boolean {
  return matches(spec, POD_SPEC);
}

/** The names of a pod spec's main containers (a missing name reads as ""); init containers are not checked. */
export function podContainerNames(spec: JsonObject): string[] {
  const containers = spec.containers;
  if (!Array.isArray(containers)) return [];
  return containers.filter(isObject).map((c) => (typeof c.name === "string" ? c.name : ""));
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function matches(value: JsonValue, shape: Shape): boolean {
  if (value === null) return true;
  switch (shape) {
    case "string":
      return typeof value === "string";
    case "bool":
      return typeof value === "boolean";
    case "int":
      return typeof value === "number" && Number.isInteger(value);
    case "object":
      return isObject(value);
    case "stringMap":
      return isObject(value) && Object.values(value).every((v) => v === null || typeof v === "string");
    case "quantityMap":
      return isObject(value) && Object.values(value).every(isQuantityJson);
  }
  if ("list" in shape) return Array.isArray(value) && value.every((v) => matches(v, shape.list));
  return (
    isObject(value) && Object.entries(shape.fields).every(([k, s]) => value[k] === undefined || matches(value[k], s))
  );
}

function isQuantityJson(v: JsonValue): boolean {
  if (v === null || typeof v === "number") return true;
  return typeof v === "string" && parseQuantity(v) !== undefined;
}
