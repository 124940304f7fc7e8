/** GetVersion: the control plane's version, build and start time (never fails). */
import { readFileSync } from "node:fs";
import { create } from "@bufbuild/protobuf";
import { markFinal } from "../proto/encoded-once.js";
import { type GetVersionResponse, GetVersionResponseSchema } from "../proto/gen/flyteidl/admin/version_pb.js";

const startedAt = new Date().toISOString();

function packageVersion(): string {
  try {
    const url = new URL("../../package.json", import.meta.url);
    return (JSON.parse(readFileSync(url, "utf8")) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

const version = packageVersion();

/**
 * The version response; `FLYTEADMIN_BUILD` names the build (a commit), as FlyteAdmin's link-time variable does.
 * The same final message for every call, so it is encoded once per format.
 */
export function versionResponse(): GetVersionResponse {
  response ??= markFinal(
    create(GetVersionResponseSchema, {
      controlPlaneVersion: { Version: version, Build: process.env.FLYTEADMIN_BUILD ?? "unknown", BuildTime: startedAt },
    }),
  );
  return response;
}

let response: GetVersionResponse | undefined;
