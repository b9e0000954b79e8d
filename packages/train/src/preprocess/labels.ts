// SPDX-License-Identifier: MIT
// Class names of the label sets a pretrained head may index (CIFAR-10: batches.meta.txt of the dataset), and
// label files in that format (one name per line, in label order).
import { readFile } from 'node:fs/promises';

const LABELS: Record<string, readonly string[]> = {
  cifar10: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
};

/** Names for `numClasses` outputs: the label set's names when known, else `class_<i>`. */
export function labelNames(labelSet: string, numClasses: number): string[] {
  const known = LABELS[labelSet];
  if (known !== undefined && known.length === numClasses) return [...known];
  return Array.from({ length: numClasses }, (_, i) => `class_${i}`);
}

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
