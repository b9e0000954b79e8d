// SPDX-License-Identifier: MIT
// `--budget LIMIT=VALUE` (repeatable): raises one of the readers' limits for a trusted file that needs more. LIMIT is
// the library option in kebab case (`maxPickleOpcodes` -> `max-pickle-opcodes`), so a BudgetError's option name
// and the flag that raises it are one rule apart; VALUE is an integer, `2e6`, or bytes with KiB/MiB/GiB/TiB.
import { ArgumentError } from '@natzoo/core';
import { BudgetError, DEFAULT_READ_BUDGET } from '@natzoo/train';
import type { ReadBudget } from '@natzoo/train';
import { DEFAULT_MAX_ASPECT_RATIO, DEFAULT_MAX_PIXELS } from '@natzoo/train/advanced';
import type { DecodeImageOptions } from '@natzoo/train/advanced';

/** The limits `--budget` can raise, each with its default: the checkpoint reader's, then the image decoder's. */
const IMAGE_DEFAULTS: Required<DecodeImageOptions> = { maxPixels: DEFAULT_MAX_PIXELS, maxAspectRatio: DEFAULT_MAX_ASPECT_RATIO };
const DEFAULTS: Readonly<Record<string, number>> = { ...DEFAULT_READ_BUDGET, ...IMAGE_DEFAULTS };

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const UNITS: Record<string, number> = { '': 1, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

export const budgetOption = {
  type: 'string',
  array: true,
  describe: `raise a reader limit for a trusted file, LIMIT=VALUE (repeatable; VALUE may use KiB/MiB/GiB): ${Object.entries(DEFAULTS)
    .map(([name, value]) => `${kebab(name)} (default ${value})`)
    .join(', ')}`,
} as const;

export interface Budgets {
  /** For checkpoint readers (convertModel's and loadCheckpoint's `budget`). */
  read: Partial<ReadBudget>;
  /** For decodeImageFile. */
  image: DecodeImageOptions;
}

function parseValue(entry: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmgt]ib)?$/i.exec(text.trim());
  const value = match === null ? Number.NaN : Number(match[1]) * UNITS[(match[2] ?? '').toLowerCase()]!;
  if (!(Number.isSafeInteger(value) && value > 0)) {
    throw new ArgumentError('budget', entry, 'expected LIMIT=VALUE with VALUE a positive integer, e.g. 2000000, 2e6 or 64GiB');
  }
  return value;
}

/** The `--budget` entries as library options; an unknown limit or a bad value is an ArgumentError naming the entry. */
export function parseBudgets(entries: readonly string[] | undefined): Budgets {
  const budgets: Budgets = { read: {}, image: {} };
  for (const entry of entries ?? []) {
    const [name = '', text = ''] = entry.split('=', 2);
    const key = camel(name.trim());
    if (!(key in DEFAULTS) || !entry.includes('=')) {
      throw new ArgumentError('budget', entry, `expected LIMIT=VALUE with LIMIT one of ${Object.keys(DEFAULTS).map(kebab).join(', ')}`);
    }
    const value = parseValue(entry, text);
    if (key in IMAGE_DEFAULTS) budgets.image[key as keyof DecodeImageOptions] = value;
    else budgets.read[key as keyof ReadBudget] = value;
  }
  return budgets;
}

/** A BudgetError's message with the library option replaced by the flag that raises it. */
export function describeBudgetError(error: BudgetError): string {
  return error.message.replace(`budget option '${error.budget}'; raise it only`, `raise it with --budget ${kebab(error.budget)}=N only`);
}
