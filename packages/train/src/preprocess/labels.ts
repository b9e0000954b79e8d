// SPDX-License-Identifier: MIT
// Node only: label files (one class name per line, in label order, like CIFAR-10's batches.meta.txt); the
// built-in label sets are in label_sets.ts.
import { readFile } from 'node:fs/promises';

export { labelNames } from './label_sets.js';

/** Reads a label file: one class name per line (CIFAR's `batches.meta.txt`, ImageNet's class lists). */
export async function readLabelFile(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch((error: Error) => {
    throw new Error(`--labels ${path}: cannot read the file (${error.message})`);
  });
  const names = text.split(/\r?\n/).map((line) => line.trim());
  while (names.length > 0 && names[names.length - 1] === '') names.pop();
  const blank = names.indexOf('');
  if (names.length === 0) throw new Error(`--labels ${path}: no class names`);
  if (blank >= 0) throw new Error(`--labels ${path}: line ${blank + 1} is blank; expected one class name per line`);
  return names;
}
