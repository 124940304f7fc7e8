/**
 * The services this server serves and the type registry of every message
 * they can carry (for `Any` in JSON and in status details). Everything the
 * transports do is derived from these descriptors.
 */
import { createRegistry, type DescFile, type DescService, type Registry } from "@bufbuild/protobuf";
import { AdminService } from "./gen/flyteidl/service/admin_pb.js";
import { AuthMetadataService } from "./gen/flyteidl/service/auth_pb.js";
import { DataProxyService } from "./gen/flyteidl/service/dataproxy_pb.js";
import { IdentityService } from "./gen/flyteidl/service/identity_pb.js";
import { SignalService } from "./gen/flyteidl/service/signal_pb.js";
import { file_google_rpc_status } from "./gen/google/rpc/status_pb.js";

/** Every flyteidl service FlyteAdmin serves, in the order FlyteAdmin registers them. */
export const servedServices: readonly DescService[] = Object.freeze([
  AdminService,
  DataProxyService,
  SignalService,
  AuthMetadataService,
  IdentityService,
]);

/** All files the served services depend on, transitively, each once. */
export function servedFiles(): DescFile[] {
  const seen = new Map<string, DescFile>();
  const visit = (f: DescFile) => {
    if (seen.has(f.name)) return;
    for (const dep of f.dependencies) visit(dep);
    seen.set(f.name, f);
  };
  for (const s of servedServices) visit(s.file);
  visit(file_google_rpc_status);
  return [...seen.values()];
}

/** Registry of every message type reachable from the served services. */
export const typeRegistry: Registry = createRegistry(...servedFiles());
