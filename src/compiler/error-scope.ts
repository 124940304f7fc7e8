import { type CompileError, sortCompileErrors } from "./errors.js";

/**
 * Collects compile errors the way FlytePropeller does: into one set shared by a tree of scopes, where a scope
 * knows whether anything was reported inside it (or any of its children). Validators use a child scope for each
 * sub-check and look at `hasErrors()` to decide whether to go on, which is what makes the compiler report many
 * errors at once without cascading nonsense.
 *
 * @example
 * const errs = new ErrorScope();
 * const child = errs.child();
 * child.collect(valueRequired("n0", "Id"));
 * child.hasErrors(); // true, and errs.hasErrors() too
 */
export class ErrorScope {
  readonly #root: Map<string, CompileError>;
  readonly #parent: ErrorScope | undefined;
  #count = 0;

  constructor(parent?: ErrorScope) {
    this.#parent = parent;
    this.#root = parent === undefined ? new Map() : parent.#root;
  }

  /** A new scope whose errors also count for this one. */
  child(): ErrorScope {
    return new ErrorScope(this);
  }

  /** Records an error; identical errors collapse into one. */
  collect(error: CompileError): void {
    for (let s: ErrorScope | undefined = this; s !== undefined; s = s.#parent) s.#count++;
    this.#root.set(`${error.code}\u0000${error.nodeId}\u0000${error.description}`, error);
  }

  /** Whether this scope or one of its children collected anything. */
  hasErrors(): boolean {
    return this.#count > 0;
  }

  /** Every distinct error collected in the whole tree, sorted as FlyteAdmin lists them. */
  list(): CompileError[] {
    return sortCompileErrors([...this.#root.values()]);
  }
}
