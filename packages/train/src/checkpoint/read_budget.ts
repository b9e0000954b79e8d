// SPDX-License-Identifier: MIT
// The limits every checkpoint reader runs under. Real files sit far below each default (a torch data.pkl is
// 13-80 kB, a few thousand opcodes); the limits exist so a few hostile kilobytes cannot claim gigabytes or minutes.
// Each can be raised per call (`budget: { maxPickleBytes: ... }`) for a trusted file that really needs more.
import { BudgetError } from './errors.js';

export interface ReadBudget {
  /** Bytes of one pickle (data.pkl, or a legacy file's object pickle). Default 64 MiB. */
  maxPickleBytes: number;
  /** Opcodes one pickle may execute; bounds time and the objects it can build (~100 MB of dicts). Default 500,000. */
  maxPickleOpcodes: number;
  /** Nesting of MARKs and of tensor rebuild calls inside one another. Default 256. */
  maxPickleDepth: number;
  /** Memo entries of one pickle. Default 1,000,000. */
  maxMemoEntries: number;
  /** Bytes of one pickled integer (LONG1/LONG4, or the digits of an `I`/`L` line divided by 2.4). Default 1024. */
  maxIntegerBytes: number;
  /** Elements of all tensors of a checkpoint together. Default 2^33 (32 GiB of float32). */
  maxTensorElements: number;
  /** Bytes of all tensors of a checkpoint together (views counted each time). Default 32 GiB. */
  maxTensorBytes: number;
  /** Bytes that stride-0 (expanded) views repeat beyond their storage, all tensors together. Default 256 MiB. */
  maxExpandedBytes: number;
}

export const DEFAULT_READ_BUDGET: Readonly<ReadBudget> = Object.freeze({
  maxPickleBytes: 64 * 2 ** 20,
  maxPickleOpcodes: 500_000,
  maxPickleDepth: 256,
  maxMemoEntries: 1_000_000,
  maxIntegerBytes: 1024,
  maxTensorElements: 2 ** 33,
  maxTensorBytes: 32 * 2 ** 30,
  maxExpandedBytes: 256 * 2 ** 20,
});

/** The defaults with `overrides` applied; each override must be a positive safe integer. */
export function resolveBudget(overrides: Partial<ReadBudget> = {}): ReadBudget {
  const budget = { ...DEFAULT_READ_BUDGET };
  for (const [key, value] of Object.entries(overrides) as [keyof ReadBudget, unknown][]) {
    if (!(key in DEFAULT_READ_BUDGET)) throw new TypeError(`budget: unknown limit '${key}' (known: ${Object.keys(DEFAULT_READ_BUDGET).join(', ')})`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw new TypeError(`budget.${key} must be a positive integer, got ${String(value)}`);
    }
    budget[key] = value;
  }
  return budget;
}

/** Throws a BudgetError for `path` when `amount` exceeds the `key` limit. */
export function checkBudget(budget: ReadBudget, key: keyof ReadBudget, amount: number, path: string, what: () => string): void {
  if (amount > budget[key]) throw new BudgetError(path, key, budget[key], what());
}

/** Running totals over every tensor of one checkpoint, checked against the budget as each tensor is made. */
export class TensorTally {
  private elements = 0;
  private bytes = 0;
  private expanded = 0;

  constructor(
    private readonly budget: ReadBudget,
    private readonly path: string,
  ) {}

  /** Adds one tensor view of `numel` elements of `itemBytes` each over a storage of `storageNumel` elements. */
  add(numel: number, itemBytes: number, storageNumel: number, describe: () => string): void {
    if (numel > storageNumel) {
      this.expanded += (numel - storageNumel) * itemBytes;
      checkBudget(this.budget, 'maxExpandedBytes', this.expanded, this.path, () =>
        `${describe()} repeats a ${storageNumel}-element storage into ${numel} elements: ${this.expanded} expanded bytes in all`);
    }
    this.elements += numel;
    this.bytes += numel * itemBytes;
    checkBudget(this.budget, 'maxTensorElements', this.elements, this.path, () => `${this.elements} tensor elements (at ${describe()})`);
    checkBudget(this.budget, 'maxTensorBytes', this.bytes, this.path, () => `${this.bytes} tensor bytes (at ${describe()})`);
  }
}
