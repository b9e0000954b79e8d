// SPDX-License-Identifier: MIT
// Fills a model's weights from a PyTorch-named state_dict and accounts for every key. Our layer names are the
// PyTorch module paths, so the default rule is mechanical: weight `a.b/c/kernel` <- key `a.b.c.weight`. A family
// only binds the exceptions (recomputed tables, resizes). Nothing is written unless every weight has a source
// and every key is consumed or explained.
import { tensor, tidy } from '@tensorflow/tfjs-core';
import type { LayersModel, LayerVariable } from '@tensorflow/tfjs-layers';
import { sourceShapeFor, toTfLayout } from './layouts.js';
import type { LayoutTransform } from './layouts.js';

/**
 * One tensor of a state_dict, as the checkpoint readers return it (`@natzoo/train`'s `TensorRecord` reads its
 * storage lazily, so `toFloat32` may return a promise).
 */
export interface StateDictTensor {
  readonly shape: readonly number[];
  readonly dtype?: string;
  toFloat32(): Float32Array | Promise<Float32Array>;
}

export type StateDictLike = ReadonlyMap<string, StateDictTensor>;

/** How one of our weights is filled. */
export type WeightBinding =
  /** Copied from `key` after a layout change. */
  | { kind: 'load'; key: string; transform: LayoutTransform }
  /** Computed by `convert` from `key` (a resize, ...), or a reason to reject it; `note` says what was done. */
  | { kind: 'convert'; key: string; note: string; convert: (data: Float32Array, shape: readonly number[]) => Float32Array | string }
  /**
   * Kept as the model has it. `key`, if the checkpoint has it, is consumed after `check` accepts it
   * (`check` returns a reason to reject it, or undefined).
   */
  | {
      kind: 'keep';
      reason: string;
      key?: string;
      check?: (data: Float32Array, shape: readonly number[], current: Float32Array) => string | undefined;
    };

export interface ShapeMismatch {
  weight: string;
  key: string;
  /** The PyTorch shape our weight needs. */
  expected: number[];
  actual: number[];
}

export interface WeightPortReport {
  /** Our weights written from the checkpoint, `weight <- key`. */
  loaded: string[];
  /** Our weights whose source key is not in the checkpoint. */
  missing: string[];
  /** Checkpoint keys nothing consumed or explained. */
  unused: string[];
  shapeMismatch: ShapeMismatch[];
  /** Checkpoint keys refused by a check, with the reason. */
  rejected: { key: string; reason: string }[];
  /** Our weights kept rather than loaded (recomputed tables, a fresh head), with the reason. */
  kept: { weight: string; reason: string }[];
  /** Weights computed from a key with a conversion (e.g. a resized positional table). */
  converted: { weight: string; key: string; note: string }[];
  /** Checkpoint keys deliberately skipped (derivable buffers), with the reason. */
  ignored: { key: string; reason: string }[];
}

export class WeightPortError extends Error {
  override name = 'WeightPortError';
  constructor(
    message: string,
    readonly report: WeightPortReport,
  ) {
    super(message);
  }
}

export interface PortOptions {
  /** Binding for weights the default rule does not cover; return undefined for the default. */
  bind?: (weight: LayerVariable, fallback: WeightBinding) => WeightBinding | undefined;
  /** Reason to skip a checkpoint key nothing consumes, or undefined. */
  ignore?: (key: string) => string | undefined;
  /** Throw on anything unexplained (default true); false returns the report and writes what matched. */
  strict?: boolean;
  /** Prefix of error messages (the family or model). */
  label?: string;
}

const LEAF_TO_TORCH: Record<string, string | null> = {
  kernel: 'weight',
  depthwise_kernel: 'weight',
  gamma: 'weight',
  beta: 'bias',
  bias: 'bias',
  moving_mean: 'running_mean',
  moving_variance: 'running_var',
  // A bare nn.Parameter: the layer itself is named after it (`classifier.positional_emb`, `...blocks.0.gamma1`).
  embedding: null,
  scale: null,
};

/**
 * The default rule: `layer/sub/leaf` -> `layer.sub.<torch leaf>` with the layout from the leaf and rank
 * (`kernel`: rank 2 linear, rank 4 conv2d; `depthwise_kernel`: depthwise; the rest identity).
 */
export function defaultBinding(weight: LayerVariable): WeightBinding {
  const parts = weight.originalName.split('/');
  const leaf = parts.pop()!;
  const mapped = leaf in LEAF_TO_TORCH ? LEAF_TO_TORCH[leaf]! : leaf;
  const key = [...parts, ...(mapped === null ? [] : [mapped])].join('.');
  const rank = weight.shape.length;
  let transform: LayoutTransform = 'identity';
  if (leaf === 'kernel' && rank === 2) transform = 'linear';
  if (leaf === 'kernel' && rank === 4) transform = 'conv2d';
  if (leaf === 'depthwise_kernel') transform = 'depthwiseConv2d';
  return { kind: 'load', key, transform };
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

function list(title: string, items: string[]): string {
  if (items.length === 0) return '';
  const shown = items.slice(0, 12).join(', ');
  return `\n  ${title} (${items.length}): ${shown}${items.length > 12 ? ', ...' : ''}`;
}

/**
 * Writes `stateDict` into `model` and resolves to the report. With `strict` (the default) it throws a
 * WeightPortError, before writing anything, if a weight is missing, a key is unused, a shape differs or a
 * check rejects a key.
 */
export async function portWeights(model: LayersModel, stateDict: StateDictLike, options: PortOptions = {}): Promise<WeightPortReport> {
  const label = options.label ?? model.name;
  const report: WeightPortReport = { loaded: [], missing: [], unused: [], shapeMismatch: [], rejected: [], kept: [], converted: [], ignored: [] };
  const consumed = new Set<string>();
  const staged: { weight: LayerVariable; data: Float32Array }[] = [];

  for (const weight of model.weights) {
    const fallback = defaultBinding(weight);
    const binding = options.bind?.(weight, fallback) ?? fallback;
    const name = weight.originalName;
    const source = binding.key === undefined ? undefined : stateDict.get(binding.key);
    if (binding.kind === 'keep') {
      report.kept.push({ weight: name, reason: binding.reason });
      if (binding.key === undefined || source === undefined) continue;
      consumed.add(binding.key);
      if (binding.check === undefined) continue;
      const problem = binding.check(await source.toFloat32(), source.shape, weight.read().dataSync() as Float32Array);
      if (problem !== undefined) report.rejected.push({ key: binding.key, reason: problem });
      continue;
    }
    if (source === undefined) {
      report.missing.push(`${name} <- ${binding.key}`);
      continue;
    }
    consumed.add(binding.key);
    if (binding.kind === 'convert') {
      const result = binding.convert(await source.toFloat32(), source.shape);
      if (typeof result === 'string') report.rejected.push({ key: binding.key, reason: result });
      else if (result.length !== weight.read().size) report.rejected.push({ key: binding.key, reason: `conversion gave ${result.length} values for [${weight.shape.join(', ')}]` });
      else {
        staged.push({ weight, data: result });
        report.converted.push({ weight: name, key: binding.key, note: binding.note });
      }
      continue;
    }
    const expected = sourceShapeFor(binding.transform, weight.shape as number[]);
    if (!sameShape(expected, source.shape)) {
      report.shapeMismatch.push({ weight: name, key: binding.key, expected, actual: [...source.shape] });
      continue;
    }
    staged.push({ weight, data: toTfLayout(binding.transform, await source.toFloat32(), weight.shape as number[]) });
    report.loaded.push(`${name} <- ${binding.key}`);
  }

  for (const key of stateDict.keys()) {
    if (consumed.has(key)) continue;
    const reason = options.ignore?.(key);
    if (reason !== undefined) report.ignored.push({ key, reason });
    else report.unused.push(key);
  }

  const failed = report.missing.length + report.unused.length + report.shapeMismatch.length + report.rejected.length > 0;
  if (failed && options.strict !== false) {
    const mismatches = report.shapeMismatch.map((m) => `${m.key} is [${m.actual.join(', ')}], ${m.weight} needs [${m.expected.join(', ')}]`);
    throw new WeightPortError(
      `${label}: the state_dict does not match the model; nothing was written.` +
        list('missing (our weight <- expected key)', report.missing) +
        list('unused keys', report.unused) +
        list('shape mismatches', mismatches) +
        list('rejected', report.rejected.map((r) => `${r.key}: ${r.reason}`)),
      report,
    );
  }
  for (const { weight, data } of staged) {
    tidy(() => {
      weight.write(tensor(data, weight.shape as number[], 'float32'));
    });
  }
  return report;
}
