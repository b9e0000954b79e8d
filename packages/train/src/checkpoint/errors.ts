// SPDX-License-Identifier: MIT
// One error type for every checkpoint/array reader, so callers can tell "bad file" from programming errors.

/** A file could not be read as a checkpoint or array; the message names the file and the problem. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

/** Throws a CheckpointError for `path` unless `ok`. */
export function check(ok: boolean, path: string, problem: () => string): asserts ok {
  if (!ok) throw new CheckpointError(path, problem());
}
