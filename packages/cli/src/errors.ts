// SPDX-License-Identifier: MIT
// Library errors name arguments (`batchSize`, `config.mean`); the command line words them with the flag the
// user typed (`--batch-size`, `--config mean`).
import { ArgumentError, WasmHeapError } from '@natzoo/core';
import { BudgetError } from '@natzoo/train';
import { describeBudgetError } from './budget_option.js';

/** The flag that carries a library argument: `batchSize` -> `--batch-size`, `config.mean` -> `--config mean`. */
export function flagFor(argument: string): string {
  const [head, ...rest] = argument.split('.');
  const flag = `--${head!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  return rest.length === 0 ? flag : `${flag} ${rest.join('.')}`;
}

/** Library arguments the CLI sets from a flag of another name: the inference pools' job size is --batch-size. */
const RENAMED: Readonly<Record<string, string>> = { jobSize: '--batch-size' };

/** The message of `error`, with a leading argument name rewritten as the flag that carries it. */
export function describeError(error: Error): string {
  if (error instanceof BudgetError) return describeBudgetError(error);
  if (error instanceof WasmHeapError) return error.describe((argument) => RENAMED[argument] ?? flagFor(argument));
  if (error instanceof ArgumentError && error.message.startsWith(error.argument)) {
    return flagFor(error.argument) + error.message.slice(error.argument.length);
  }
  return error.message;
}
