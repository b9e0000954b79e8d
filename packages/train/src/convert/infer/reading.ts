// SPDX-License-Identifier: MIT
// What a family's reader returns: the architecture arguments a state_dict's shapes determine, and the ones it
// needs but the weights cannot show (each with the fields it depends on, so a registered variant with the
// same structure can supply it).
import type { StateDictLike } from '@natzoo/models/advanced';

/** One architecture argument read from the weights. */
export interface InferredField {
  /** The upstream constructor's name (`embed_dim`), what a config file uses. */
  kwarg: string;
  /** Our config field (`embedDim`), what the registry's variant tables use. */
  field: string;
  value: unknown;
  /** The value when a variant's config leaves the field out (its family default). */
  unset?: unknown;
  /** Which keys or shapes told us. */
  evidence: string;
  /** The value in our field's terms when it differs from the kwarg's (`layer` -> `attention`). */
  fieldValue?: unknown;
}

/** An argument the model needs that the weights cannot show. */
export interface OpenField {
  kwarg: string;
  field: string;
  /** Why the weights do not determine it. */
  why: string;
  /** Inferred fields that must agree with a variant for that variant's value to apply. */
  dependsOn: readonly string[];
  /** What a value looks like for this checkpoint (e.g. one list per level of lengths [3, 4, 6, 5]). */
  shape: string;
}

export interface FamilyReading {
  inferred: InferredField[];
  open: OpenField[];
}

/** Shape of `key`, or undefined when the state_dict lacks it. */
export function shapeOf(stateDict: StateDictLike, key: string): readonly number[] | undefined {
  return stateDict.get(key)?.shape;
}

/** Number of consecutive indices `i` (from 0) for which some key starts with `prefix.i.`. */
export function countIndexed(stateDict: StateDictLike, prefix: string): number {
  const seen = new Set<number>();
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)\\.`);
  for (const key of stateDict.keys()) {
    const match = pattern.exec(key);
    if (match !== null) seen.add(Number(match[1]));
  }
  let n = 0;
  while (seen.has(n)) n++;
  return n;
}

/** `hidden / dim` as the ratio upstream passes (`mlp_ratio`), checked to reproduce `hidden` by floor(dim * ratio). */
export function mlpRatio(hidden: number, dim: number): number {
  const ratio = hidden / dim;
  return Math.floor(dim * ratio) === hidden ? ratio : Number.NaN;
}

/** Collects fields, skipping any whose value could not be read. */
export class FieldList {
  readonly fields: InferredField[] = [];

  add(kwarg: string, field: string, value: unknown, evidence: string, unset?: unknown, fieldValue?: unknown): void {
    if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return;
    this.fields.push({ kwarg, field, value, evidence, ...(unset === undefined ? {} : { unset }), ...(fieldValue === undefined ? {} : { fieldValue }) });
  }
}
