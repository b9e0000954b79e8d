// SPDX-License-Identifier: MIT
// --config files of convert and train-gan: a JSON object of architecture arguments (upstream kwargs or ours).
import { readFile } from 'node:fs/promises';

/** Reads --config: a JSON object of architecture arguments (upstream kwargs or ours) and preprocessing keys. */
export async function readConfig(path: string): Promise<Record<string, unknown>> {
  const text = await readFile(path, 'utf8').catch((error: Error) => {
    throw new Error(`--config ${path}: cannot read the file (${error.message})`);
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`--config ${path}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`--config ${path}: expected a JSON object of architecture arguments`);
  }
  return parsed as Record<string, unknown>;
}
