// SPDX-License-Identifier: MIT
// Class names of the label sets a pretrained head may index (CIFAR-10: batches.meta.txt of the dataset).

const LABELS: Record<string, readonly string[]> = {
  cifar10: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
};

/** Names for `numClasses` outputs: the label set's names when known, else `class_<i>`. */
export function labelNames(labelSet: string, numClasses: number): string[] {
  const known = LABELS[labelSet];
  if (known !== undefined && known.length === numClasses) return [...known];
  return Array.from({ length: numClasses }, (_, i) => `class_${i}`);
}
