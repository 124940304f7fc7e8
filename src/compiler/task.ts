import { clone, create } from "@bufbuild/protobuf";
import { type CompiledTask, CompiledTaskSchema } from "../proto/gen/flyteidl/core/compiler_pb.js";
import {
  type Container,
  type K8sPod,
  Resources_ResourceName,
  type TaskTemplate,
  TaskTemplateSchema,
} from "../proto/gen/flyteidl/core/tasks_pb.js";
import { ErrorScope } from "./error-scope.js";
import { type CompileError, invalidValue, unrecognizedValue, valueRequired } from "./errors.js";
import { decodesAsPodSpec, isDns1123Label, podContainerNames } from "./pod-spec.js";
import { parseQuantity } from "./quantity.js";

/**
 * Compiles a task template as FlyteAdmin's CreateTask does (compiler.md §1): the id is required; a container task
 * needs an image, a command or args when its interface has inputs or outputs, and resource values that parse as
 * Kubernetes quantities; a pod task needs a decodable pod spec whose container names are DNS-1123 labels. Other
 * targets are not checked. The compiled task holds a copy of the template, or the template itself when the caller
 * hands it over (`template: "owned"`: it will not be read or changed elsewhere).
 */
export function compileTask(
  template: TaskTemplate,
  options: { readonly template?: "copied" | "owned" } = {},
): { compiledTask: CompiledTask } | { errors: CompileError[] } {
  const errs = new ErrorScope();
  if (template.id === undefined) errs.collect(valueRequired("root", "Id"));
  const target = template.target;
  if (target.case === "container") validateContainer(template, target.value, errs.child());
  else if (target.case === "k8sPod") validateK8sPod(target.value, errs.child());
  if (errs.hasErrors()) return { errors: errs.list() };
  const kept = options.template === "owned" ? template : clone(TaskTemplateSchema, template);
  return { compiledTask: create(CompiledTaskSchema, { template: kept }) };
}

function validateContainer(template: TaskTemplate, container: Container, errs: ErrorScope): void {
  const iface = template.interface;
  const hasVariables =
    iface !== undefined &&
    (Object.keys(iface.inputs?.variables ?? {}).length > 0 || Object.keys(iface.outputs?.variables ?? {}).length > 0);
  // Without a command the container could not be told where to read inputs and write outputs.
  if (hasVariables && container.command.length === 0 && container.args.length === 0) {
    errs.collect(valueRequired("container", "command"));
  }
  if (container.image === "") errs.collect(valueRequired("container", "image"));
  const resources = container.resources;
  for (const entry of [...(resources?.requests ?? []), ...(resources?.limits ?? [])]) {
    if (parseQuantity(entry.value) === undefined) {
      const name = Resources_ResourceName[entry.name] ?? String(entry.name);
      errs.collect(unrecognizedValue(`resources.${name}`, entry.value));
    }
  }
}

function validateK8sPod(pod: K8sPod, errs: ErrorScope): void {
  const spec = pod.podSpec;
  if (spec === undefined || !decodesAsPodSpec(spec)) {
    errs.collect(invalidValue("root", "k8s pod spec"));
    return;
  }
  for (const name of podContainerNames(spec)) {
    if (!isDns1123Label(name)) errs.collect(invalidValue("root", "k8s pod spec container name"));
  }
}
