// SPDX-License-Identifier: MIT
// The schema of a training checkpoint's `natzoo_train` metadata: checked field by field on resume, so a damaged
// or hostile file is a CheckpointError naming the field, never a SyntaxError or a crash later in the run.
import { parsePreprocess } from '@natzoo/models';
import type { ModelPreprocess } from '@natzoo/models';
import { z } from 'zod';
import { CheckpointError } from '../checkpoint/errors.js';
import type { Recipe } from './recipe.js';

export interface TrainPosition {
  /** The epoch in progress (0-based). */
  epoch: number;
  /** Steps of `epoch` already taken; 0 at an epoch boundary. */
  stepInEpoch: number;
  /** Optimizer updates so far. */
  globalStep: number;
}

export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  model: string;
  overrides: Record<string, unknown>;
  preprocess: ModelPreprocess;
  recipe: Recipe;
  data: string;
  /** How validation was split off (`--val-count`, `--val-labels`), so a resume reads the same split. */
  split: { valCount?: number; valLabels?: string };
  position: TrainPosition;
  rng: { algorithm: 'sfc32'; seed: number; streams: string };
  optimizer: { kind: string; updates: number };
  ema: boolean;
  bestTop1: number | null;
  /** The epoch record of the epoch that ended at this checkpoint (re-logged on resume if the log lost it). */
  lastEpochRecord: Record<string, unknown> | null;
}

export const CHECKPOINT_FORMAT = 'natzoo-train-checkpoint/1';

/** Keys that would reach an object's prototype if a consumer ever copied the JSON into a plain object. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const count = z.number().int().nonnegative();
const jsonObject = z.record(z.string(), z.unknown());

const metaSchema = z.strictObject({
  format: z.literal(CHECKPOINT_FORMAT),
  model: z.string().min(1),
  overrides: jsonObject,
  preprocess: jsonObject,
  recipe: z.looseObject({ seed: z.number().int() }),
  data: z.string(),
  split: z.strictObject({ valCount: count.optional(), valLabels: z.string().optional() }),
  position: z.strictObject({ epoch: count, stepInEpoch: count, globalStep: count }),
  rng: z.strictObject({ algorithm: z.literal('sfc32'), seed: z.number().int(), streams: z.string() }),
  optimizer: z.strictObject({ kind: z.string(), updates: count }),
  ema: z.boolean(),
  bestTop1: z.number().nullable(),
  lastEpochRecord: jsonObject.nullable(),
});

/** Parses and checks the metadata text of the checkpoint at `path`. */
export function parseCheckpointMeta(path: string, text: string): CheckpointMeta {
  let json: unknown;
  try {
    json = JSON.parse(text, (key, value: unknown) => {
      if (FORBIDDEN_KEYS.has(key)) throw new Error(`the key '${key}' is not allowed`);
      return value;
    });
  } catch (error) {
    throw new CheckpointError(path, `natzoo_train metadata is not valid JSON (${(error as Error).message})`);
  }
  const parsed = metaSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length === 0 ? '(the whole object)' : issue.path.join('.');
    throw new CheckpointError(path, `natzoo_train metadata field ${field}: ${issue.message}`);
  }
  try {
    parsePreprocess('preprocess', parsed.data.preprocess);
  } catch (error) {
    throw new CheckpointError(path, `natzoo_train metadata field ${(error as Error).message}`);
  }
  return parsed.data as unknown as CheckpointMeta;
}
