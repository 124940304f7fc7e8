/**
 * Regenerates src/proto/gen from the flyteidl protos in @flyteorg/flyteidl,
 * the google/api protos of google-proto-files and our own declaration of the
 * openapiv2 option. Run with `npm run gen:proto`.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const out = join(root, "src/proto/gen");
const stage = mkdtempSync(join(tmpdir(), "flyteadmin-proto-"));
try {
  cpSync(join(root, "node_modules/@flyteorg/flyteidl/protos/flyteidl"), join(stage, "flyteidl"), {
    recursive: true,
  });
  for (const f of ["api/annotations.proto", "api/http.proto", "rpc/status.proto"]) {
    cpSync(join(root, "node_modules/google-proto-files/google", f), join(stage, "google", f));
  }
  cpSync(join(root, "proto/protoc-gen-openapiv2"), join(stage, "protoc-gen-openapiv2"), { recursive: true });
  writeFileSync(join(stage, "buf.yaml"), "version: v2\n");
  writeFileSync(
    join(stage, "buf.gen.yaml"),
    [
      "version: v2",
      "plugins:",
      `  - local: ${join(root, "node_modules/.bin/protoc-gen-es")}`,
      `    out: ${out}`,
      "    opt: [target=ts, import_extension=js]",
      "",
    ].join("\n"),
  );
  rmSync(out, { recursive: true, force: true });
  execFileSync(join(root, "node_modules/.bin/buf"), ["generate"], { cwd: stage, stdio: "inherit" });
  console.log(`generated TypeScript into ${out}`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
