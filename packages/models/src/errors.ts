// SPDX-License-Identifier: MIT
// Errors of @natzoo/models. Messages start with what failed and print the offending values.

/** A model name, configuration value or override that cannot build a model. */
export class ModelArgumentError extends Error {
  override name = 'ModelArgumentError';
}

/** Throws a ModelArgumentError whose message starts with `where` (a model, layer or function name). */
export function fail(where: string, message: string): never {
  throw new ModelArgumentError(`${where}: ${message}`);
}
