// SPDX-License-Identifier: MIT
// Library errors name arguments (`modelDir`, `top`); the command line words them with the flag the user typed.
const FLAG_FOR_ARGUMENT: Record<string, string> = {
  modelDir: '--model',
  model: '--model',
  top: '--top',
  topk: '--top',
  checkpoint: 'checkpoint',
  labels: '--labels',
  config: '--config',
  input: '--input',
  out: '--out',
  data: '--data',
  batchSize: '--batch-size',
};

/** The message of `error`, with a leading `argument <name>` rewritten to the flag that carries it. */
export function describeError(error: Error): string {
  const argument = (error as { argument?: unknown }).argument;
  if (typeof argument === 'string' && Object.hasOwn(FLAG_FOR_ARGUMENT, argument)) {
    return error.message.replace(new RegExp(`^(\\w+: )?${argument}\\b`), FLAG_FOR_ARGUMENT[argument]!);
  }
  return error.message;
}
