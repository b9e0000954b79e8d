// SPDX-License-Identifier: MIT
// Overrides in our camelCase fields or in the upstream constructors' snake_case kwargs, for every family.
import { fail } from './errors.js';
import { didYouMean } from './names.js';

/** Upstream kwargs of a family as an object type: `{embedding_dim?: number, ...}`. */
export type UpstreamKwargs<Table extends Record<string, string>, Config> = {
  [K in keyof Table]?: Table[K] extends keyof Config ? Config[Table[K]] : never;
};

/** Arguments of the upstream registry functions that are not architecture. */
const NOT_ARCHITECTURE: Record<string, string> = {
  pretrained: 'weights are converted from a checkpoint with the family\'s state_dict loader, not at construction',
  progress: 'there is no download at construction',
};

/**
 * Turns overrides given with our camelCase fields, upstream's snake_case kwargs, or a mix, into camelCase
 * fields. Unknown keys, and a field given under both names, are errors that list the accepted names; keys in
 * `ignored` (upstream options that do not change the architecture, e.g. training settings) are dropped.
 */
export function translateKwargs<Config>(
  where: string,
  overrides: Readonly<Record<string, unknown>>,
  table: Readonly<Record<string, keyof Config & string>>,
  fields: readonly (keyof Config & string)[],
  ignored: ReadonlySet<string> = new Set(),
): Partial<Config> {
  const out: Record<string, unknown> = {};
  const source: Record<string, string> = {};
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined || ignored.has(key)) continue;
    const field = (fields as readonly string[]).includes(key) ? key : table[key];
    if (field === undefined) {
      const reason = NOT_ARCHITECTURE[key];
      if (reason !== undefined) fail(where, `'${key}' is not accepted: ${reason}`);
      const known = [...fields, ...Object.keys(table)];
      fail(where, `unknown override '${key}'.${didYouMean(key, known)} Accepted: ${known.join(', ')}`);
    }
    if (source[field] !== undefined) fail(where, `'${key}' and '${source[field]}' both set ${field}`);
    source[field] = key;
    out[field] = value;
  }
  return out as Partial<Config>;
}

