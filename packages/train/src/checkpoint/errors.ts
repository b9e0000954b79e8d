// SPDX-License-Identifier: MIT
// One error type for every checkpoint/array reader, so callers can tell "bad file" from programming errors.

/** A file could not be read as a checkpoint or array; the message names the file and the problem. */
export class CheckpointError extends Error {
  override readonly name: string = 'CheckpointError';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

/** A file claims more than a reader's budget allows (read_budget.ts); the message names the limit's option. */
export class BudgetError extends CheckpointError {
  override readonly name: string = 'BudgetError';
  constructor(
    path: string,
    /** The option that raises the limit, e.g. `maxPickleOpcodes`. */
    readonly budget: string,
    readonly limit: number,
    what: string,
  ) {
    super(path, `${what} exceeds the limit of ${limit} (budget option '${budget}'; raise it only for a trusted file)`);
  }
}

/** Throws a CheckpointError for `path` unless `ok`. */
export function check(ok: boolean, path: string, problem: () => string): asserts ok {
  if (!ok) throw new CheckpointError(path, problem());
}
