// SPDX-License-Identifier: MIT
// Label files: one class name per line, in label order (CIFAR's batches.meta.txt, ImageNet's class lists).
// The built-in label sets (labelNames) are @natzoo/models'.
import { readFile } from 'node:fs/promises';
import { ArgumentError } from '@natzoo/core';

/** Reads a label file: one class name per line (CIFAR's `batches.meta.txt`, ImageNet's class lists). */
export async function readLabelFile(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch((error: Error) => {
    throw new ArgumentError('labels', path, `cannot read the file (${error.message})`);
  });
  const names = text.split(/\r?\n/).map((line) => line.trim());
  while (names.length > 0 && names[names.length - 1] === '') names.pop();
  const blank = names.indexOf('');
  if (names.length === 0) throw new ArgumentError('labels', path, `no class names`);
  if (blank >= 0) throw new ArgumentError('labels', path, `line ${blank + 1} is blank; expected one class name per line`);
  return names;
}
