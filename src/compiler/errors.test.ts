import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorScope } from "./error-scope.js";
import {
  CompileErrorCode,
  formatCompileError,
  formatCompileErrors,
  mismatchingTypes,
  parameterNotBound,
  valueRequired,
} from "./errors.js";
import { compareStrings } from "./order.js";

describe("formatCompileError", () => {
  it("renders code, node id and description as FlytePropeller does", () => {
    assert.equal(
      formatCompileError(valueRequired("n0", "TaskNode.ReferenceId")),
      "Code: ValueRequired, Node Id: n0, Description: Value required [TaskNode.ReferenceId].",
    );
  });
});

describe("formatCompileErrors", () => {
  it("counts, sorts by code then text, and numbers from zero", () => {
    const errors = [
      parameterNotBound("n1", "b"),
      valueRequired("n0", "Id"),
      parameterNotBound("n1", "a"),
      mismatchingTypes("n2", "x", "simple:INTEGER", "simple:STRING"),
    ];
    assert.equal(
      formatCompileErrors(errors),
      "Collected Errors: 4\n" +
        "\tError 0: Code: MismatchingTypes, Node Id: n2, Description: Variable [x] (type [simple:INTEGER]) doesn't match expected type [simple:STRING].\n" +
        "\tError 1: Code: ParameterNotBound, Node Id: n1, Description: Parameter not bound [a].\n" +
        "\tError 2: Code: ParameterNotBound, Node Id: n1, Description: Parameter not bound [b].\n" +
        "\tError 3: Code: ValueRequired, Node Id: n0, Description: Value required [Id].\n",
    );
  });

  it("renders an empty list as zero errors", () => {
    assert.equal(formatCompileErrors([]), "Collected Errors: 0\n");
  });
});

describe("ErrorScope", () => {
  it("collapses identical errors into one", () => {
    const errs = new ErrorScope();
    errs.collect(valueRequired("n0", "Id"));
    errs.child().collect(valueRequired("n0", "Id"));
    assert.equal(errs.list().length, 1);
  });

  it("tells a scope with errors from a sibling without", () => {
    const root = new ErrorScope();
    const a = root.child();
    const b = root.child();
    a.child().collect(valueRequired("n0", "Id"));
    assert.deepEqual([root.hasErrors(), a.hasErrors(), b.hasErrors()], [true, true, false]);
  });

  it("counts a repeated error in a new scope even though the set already holds it", () => {
    const root = new ErrorScope();
    root.collect(valueRequired("n0", "Id"));
    const later = root.child();
    later.collect(valueRequired("n0", "Id"));
    assert.equal(later.hasErrors(), true);
  });
});

describe("CompileErrorCode", () => {
  it("spells codes as FlytePropeller prints them", () => {
    assert.equal(CompileErrorCode.DuplicateNodeId, "DuplicateId");
    assert.equal(CompileErrorCode.BranchNodeIdNotFound, "BranchNodeIdNotFound");
    assert.equal(CompileErrorCode.FieldNotFound, "FieldNotFound");
    // Defined by FlytePropeller but never raised by its compiler; kept so callers can name them.
    assert.equal(CompileErrorCode.MismatchingInterfaces, "MismatchingInterfaces");
    assert.equal(CompileErrorCode.InconsistentTypes, "InconsistentTypes");
    assert.equal(Object.keys(CompileErrorCode).length, 31);
  });
});

describe("compareStrings", () => {
  it("orders by code point like Go, not by UTF-16 unit", () => {
    // U+1F600 (a surrogate pair in UTF-16) sorts after U+FF5E in UTF-8 byte order.
    assert.equal(compareStrings("\u{1F600}", "\uFF5E"), 1);
    assert.equal("\u{1F600}" < "\uFF5E", true);
    assert.deepEqual(["b", "a", "aa", ""].sort(compareStrings), ["", "a", "aa", "b"]);
  });
});
