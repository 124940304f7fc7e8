import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { LocalStore } from "../../blob/local-store.js";
import { t, vars } from "../../compiler/test-support.js";
import { SimpleType } from "../../proto/gen/flyteidl/core/types_pb.js";
import { literalForSimpleType, readCopilotOutputs, writeCopilotInputs } from "./copilot.js";
import { literalText } from "./template-render.js";
import { float, int, list, lmap, str } from "./test-literals.js";

test("file text becomes a literal of the declared type (blanks trimmed)", () => {
  const cases: [SimpleType, string, string][] = [
    [SimpleType.INTEGER, "42\n", "42"],
    [SimpleType.FLOAT, " 1.5 ", "1.5"],
    [SimpleType.STRING, "\thello\n", "hello"],
    [SimpleType.BOOLEAN, "True", "true"],
    [SimpleType.BOOLEAN, "0", "false"],
    [SimpleType.DURATION, "1m30s", "seconds:90"],
  ];
  for (const [type, text, want] of cases) assert.equal(literalText(literalForSimpleType(type, text)), want, text);
  assert.throws(() => literalForSimpleType(SimpleType.INTEGER, "4x"), /parse int/);
  assert.throws(() => literalForSimpleType(SimpleType.BOOLEAN, "yes"), /parse bool/);
  assert.equal(literalForSimpleType(SimpleType.STRUCT, '{"a": 1}').value.case, "scalar");
});

test("inputs laid out as co-pilot does; outputs read back; _ERROR is the task's error", async () => {
  const dir = await mkdtemp(join(tmpdir(), "copilot-"));
  try {
    const store = new LocalStore(join(dir, "blobs"), "flyte");
    await writeCopilotInputs(store, lmap({ x: int(3), name: str("a b"), xs: list(float(0.5)) }), join(dir, "in"), 0);
    assert.equal(await readFile(join(dir, "in", "x"), "utf8"), "3");
    assert.equal(await readFile(join(dir, "in", "name"), "utf8"), "a b");
    assert.equal(await readFile(join(dir, "in", "xs", "0"), "utf8"), "0.5");
    assert.deepEqual(JSON.parse(await readFile(join(dir, "in", "inputs.json"), "utf8")), {
      x: 3,
      name: "a b",
      xs: [0.5],
    });
    const out = join(dir, "out");
    await writeCopilotInputs(store, lmap({}), out, 0);
    await writeFile(join(out, "y"), "7\n");
    await writeFile(join(out, "report"), "data");
    const r = await readCopilotOutputs(store, vars({ y: t.int(), report: t.blob("csv") }), out, store.ref("raw", "n0"));
    assert.ok("outputs" in r);
    if ("outputs" in r) {
      assert.equal(literalText(r.outputs.literals.y!), "7");
      const uri = literalText(r.outputs.literals.report!);
      assert.equal(new TextDecoder().decode(await store.read(uri)), "data");
    }
    await writeFile(join(out, "_ERROR"), "bad input");
    assert.deepEqual(await readCopilotOutputs(store, vars({ y: t.int() }), out, store.ref("raw")), {
      error: "User Error: bad input",
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
