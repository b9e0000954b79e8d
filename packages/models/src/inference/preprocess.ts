// SPDX-License-Identifier: MIT
// preprocess.json: how images must be prepared for a converted model and what its outputs mean. One reader
// for every consumer (the web app, loadModelDir, loadClassifier); errors name the file and the field.
import { INTERPOLATIONS } from './eval_transform.js';
import type { EvalTransform } from './eval_transform.js';

/** A converted model's preprocess.json (timm's eval transform plus the class names). */
export interface ModelPreprocess extends EvalTransform {
  /** The model's name (`cct_2_3x2_32.cifar10`); the file's name when the file has none. */
  model: string;
  /** `[channels, height, width]`. */
  inputSize: [number, number, number];
  mean: [number, number, number];
  std: [number, number, number];
  cropPct: number;
  interpolation: string;
  /** Class names in logit order. */
  labels: string[];
  /** The converted checkpoint: file name, sha256 of its bytes, and the URL when it was downloaded. */
  source?: { checkpoint: string; sha256: string; url?: string; etag?: string };
}

/** A preprocess.json that cannot be used; `file` is where it came from, `field` the offending key (null: the whole file). */
export class PreprocessError extends Error {
  override name = 'PreprocessError';
  constructor(
    readonly file: string,
    readonly field: string | null,
    problem: string,
  ) {
    super(`${file}: ${field === null ? '' : `${field}: `}${problem}`);
  }
}

/** Input sides above this are refused: timm's largest eval sizes are 800, and 60000x60000 would hang the resampler. */
export const MAX_INPUT_SIDE = 4096;

const isTriple = (v: unknown, ok: (x: number) => boolean): v is [number, number, number] =>
  Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x) && ok(x));

/** The field that is wrong and why, or null. */
function problemOf(p: Record<string, unknown>): [string, string] | null {
  const shown = (key: string) => JSON.stringify(p[key]) ?? 'nothing';
  if (!isTriple(p['inputSize'], (x) => Number.isSafeInteger(x) && x > 0)) return ['inputSize', `must be [channels, height, width] positive integers; got ${shown('inputSize')}`];
  if (p['inputSize'][0] !== 3) return ['inputSize', `must have 3 channels; got ${p['inputSize'][0]}`];
  if (p['inputSize'][1] > MAX_INPUT_SIDE || p['inputSize'][2] > MAX_INPUT_SIDE) return ['inputSize', `height and width must be at most ${MAX_INPUT_SIDE}; got ${shown('inputSize')}`];
  if (!isTriple(p['mean'], () => true)) return ['mean', `must be three numbers; got ${shown('mean')}`];
  if (!isTriple(p['std'], (x) => x > 0)) return ['std', `must be three positive numbers; got ${shown('std')}`];
  const cropPct = p['cropPct'];
  // Below 0.1 the image would be scaled to over ten times the input size before cropping (timm uses 0.875-1).
  if (typeof cropPct !== 'number' || !(cropPct >= 0.1 && cropPct <= 1)) return ['cropPct', `must be a number in [0.1, 1]; got ${shown('cropPct')}`];
  const interpolation = p['interpolation'];
  if (typeof interpolation !== 'string' || !INTERPOLATIONS.includes(interpolation)) return ['interpolation', `must be one of ${INTERPOLATIONS.join(', ')}; got ${shown('interpolation')}`];
  const labels = p['labels'];
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) return ['labels', 'must be an array of class names'];
  if (p['model'] !== undefined && typeof p['model'] !== 'string') return ['model', `must be a string; got ${shown('model')}`];
  return null;
}

/**
 * Reads and checks a preprocess.json given as text or as the parsed object; `where` names the file (a path, a
 * URL) in errors. Throws a PreprocessError.
 */
export function parsePreprocess(where: string, input: string | object): ModelPreprocess {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new PreprocessError(where, null, `not valid JSON (${(error as Error).message})`);
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new PreprocessError(where, null, 'not a JSON object');
  const p = value as Record<string, unknown>;
  const problem = problemOf(p);
  if (problem !== null) throw new PreprocessError(where, ...problem);
  const parsed = p as unknown as ModelPreprocess;
  return { ...parsed, model: parsed.model ?? where };
}
