// SPDX-License-Identifier: MIT
// Argument normalisation and validation for the public NA ops (NATTEN check_all_args, CheckArgsAgainstDim).
import type { Tensor } from '@tensorflow/tfjs-core';
import type { ProblemAttrs } from './geometry.js';

/** A value for every spatial axis, or one value shared by all axes. */
export type PerAxis<T> = T | readonly T[];

export interface NAQKOptions {
  /** Window size per axis (odd when `rpb` is given). */
  kernelSize: PerAxis<number>;
  /** Dilation per axis; default 1. */
  dilation?: PerAxis<number>;
  /** Causal masking per axis; default false. */
  isCausal?: PerAxis<boolean>;
  /**
   * Stride per axis, `1 <= stride <= kernelSize`; default 1. Queries in one stride group share the window of the
   * group's leader (NATTEN 0.21 generalized NA): 1 is sliding-window NA, `kernelSize` blocked attention.
   */
  stride?: PerAxis<number>;
  /** Relative positional bias `[heads, 2k-1]` (1-D), `[heads, 2k0-1, 2k1-1]` (2-D) or `[heads, 2k0-1, 2k1-1, 2k2-1]` (3-D). */
  rpb?: Tensor;
  /** Multiplies `q . k` before the bias is added; default 1 for the split op (NATTEN's unfused convention). */
  scale?: number;
}

export type NAAVOptions = Pick<NAQKOptions, 'kernelSize' | 'dilation' | 'isCausal' | 'stride'>;

/** Options of the fused op; `scale` defaults to `headDim ** -0.5`. */
export interface NAOptions extends NAQKOptions {
  /**
   * Extra key tokens `[B, n, kvHeads, D]` every query attends to in the same softmax as its window, with no
   * mask and no bias (NATTEN's `additional_keys`); needs `additionalValues` of the same shape.
   */
  additionalKeys?: Tensor;
  additionalValues?: Tensor;
}

export type SpatialRank = 1 | 2 | 3;

/**
 * Attributes every NA kernel receives: per-axis tuples of 2 entries for 5-D tensors (1-D runs as a height-1 2-D
 * problem) or 3 for 6-D ones, the scale, and the key/value heads when they differ from the query's.
 */
export interface NAKernelAttrs extends ProblemAttrs {
  scale: number;
  /**
   * Fused forward only: also return the softmax's log-sum-exp `[B, *S, heads]` as a second output, for the fused
   * backward (set while gradients are recorded). Backends that do not write it return the output alone, and the
   * backward then recomputes it.
   */
  withLogSumExp?: boolean;
}

export class NAArgumentError extends Error {
  override name = 'NAArgumentError';
}

/** Throws an NAArgumentError whose message starts with the op's name. */
export function fail(op: string, message: string): never {
  throw new NAArgumentError(`${op}: ${message}`);
}

function perAxis<T>(op: string, name: string, value: PerAxis<T>, rank: SpatialRank): T[] {
  if (Array.isArray(value)) {
    const list = value as readonly T[];
    if (list.length !== rank) fail(op, `${name} must have ${rank} value(s), one per spatial axis; got [${list.join(', ')}]`);
    return [...list];
  }
  return new Array<T>(rank).fill(value as T);
}

function spatialShapeOf(shape: readonly number[], rank: SpatialRank): number[] {
  return shape.slice(1, 1 + rank);
}

export function checkTensor(op: string, name: string, tensor: Tensor | undefined, rank: number, layout: string): Tensor {
  if (tensor == null || typeof tensor !== 'object' || !('shape' in tensor)) {
    fail(op, `${name} must be a tf.Tensor of layout ${layout}; got ${String(tensor)}`);
  }
  if (tensor.rank !== rank) {
    fail(op, `${name} must have rank ${rank} (${layout}); got shape [${tensor.shape.join(', ')}]`);
  }
  if (tensor.dtype !== 'float32') fail(op, `${name} must be float32; got ${tensor.dtype}`);
  return tensor;
}

export function checkSameShape(op: string, nameA: string, a: Tensor, nameB: string, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((size, i) => size !== b.shape[i])) {
    fail(op, `${nameB} shape [${b.shape.join(', ')}] must equal ${nameA} shape [${a.shape.join(', ')}]`);
  }
}

/** The per-axis window of an op, normalised to one entry per spatial axis. */
export interface NAWindow {
  kernelSize: number[];
  dilation: number[];
  isCausal: boolean[];
  stride: number[];
}

const LAYOUTS: Record<SpatialRank, string> = { 1: '[B, L, heads, D]', 2: '[B, H, W, heads, D]', 3: '[B, X, Y, Z, heads, D]' };

/** The heads-last token layout of an op's q/k/v at this rank. */
export const tokenLayout = (rank: SpatialRank): string => LAYOUTS[rank];

/** Normalises kernel size, dilation, causality and stride and checks them against the spatial shape. */
export function normalizeWindow(
  op: string,
  rank: SpatialRank,
  opts: NAAVOptions | undefined,
  inputShape: readonly number[],
): NAWindow {
  if (opts == null || opts.kernelSize == null) fail(op, 'opts.kernelSize is required');
  const kernelSize = perAxis(op, 'kernelSize', opts.kernelSize, rank);
  const dilation = perAxis(op, 'dilation', opts.dilation ?? 1, rank);
  const isCausal = perAxis(op, 'isCausal', opts.isCausal ?? false, rank);
  const stride = perAxis(op, 'stride', opts.stride ?? 1, rank);
  if (isCausal.some((c) => typeof c !== 'boolean')) {
    fail(op, `isCausal must be a boolean on every axis; got [${isCausal.map(String).join(', ')}]`);
  }
  // A 3-D window may be flat along an axis (kernel 1, e.g. per-frame attention in video).
  const minKernel = rank === 3 ? 1 : 2;
  const spatial = spatialShapeOf(inputShape, rank);
  for (let axis = 0; axis < rank; axis++) {
    const k = kernelSize[axis]!;
    const d = dilation[axis]!;
    const st = stride[axis]!;
    if (!Number.isInteger(k) || k < minKernel) {
      fail(op, `kernelSize must be an integer >= ${minKernel} on every axis; got [${kernelSize.join(', ')}]`);
    }
    if (!Number.isInteger(d) || d < 1) fail(op, `dilation must be an integer >= 1 on every axis; got [${dilation.join(', ')}]`);
    if (!Number.isInteger(st) || st < 1 || st > k) {
      fail(op, `stride must be an integer with 1 <= stride <= kernelSize on every axis; got stride [${stride.join(', ')}], kernelSize [${kernelSize.join(', ')}]`);
    }
    if (k * d > spatial[axis]!) {
      fail(
        op,
        `kernelSize*dilation (${k}*${d}=${k * d}) > input size (${spatial[axis]}) on axis ${axis}; ` +
          `every axis needs kernelSize*dilation <= size (input spatial shape [${spatial.join(', ')}])`,
      );
    }
  }
  return { kernelSize, dilation, isCausal, stride };
}

/**
 * Checks a key-side tensor against the query: same batch, spatial sizes and head dim, and heads that divide the
 * query's (GQA/MQA). Returns the key/value heads.
 */
export function checkKeyValueHeads(op: string, query: Tensor, name: string, kv: Tensor): number {
  const heads = query.shape[query.rank - 2]!;
  const kvHeads = kv.shape[kv.rank - 2]!;
  const same = kv.rank === query.rank && kv.shape.every((size, i) => i === kv.rank - 2 || size === query.shape[i]);
  if (!same) {
    fail(op, `${name} shape [${kv.shape.join(', ')}] must equal query shape [${query.shape.join(', ')}] (only the heads may differ)`);
  }
  if (kvHeads < 1 || heads % kvHeads !== 0) {
    fail(op, `query heads (${heads}) must be a multiple of ${name} heads (${kvHeads}) (GQA/MQA); ${name} shape [${kv.shape.join(', ')}]`);
  }
  return kvHeads;
}

const RPB_LAYOUTS: Record<SpatialRank, string> = {
  1: '[heads, 2k-1]',
  2: '[heads, 2k0-1, 2k1-1]',
  3: '[heads, 2k0-1, 2k1-1, 2k2-1]',
};

/** Checks `rpb` against the heads, kernel size and causality. */
export function checkRpb(
  op: string,
  rank: SpatialRank,
  rpb: Tensor | undefined,
  heads: number,
  kernelSize: readonly number[],
  isCausal: readonly boolean[],
): void {
  if (rpb == null) return;
  const expected = [heads, ...kernelSize.map((k) => 2 * k - 1)];
  checkTensor(op, 'rpb', rpb, rank + 1, RPB_LAYOUTS[rank]);
  if (isCausal.some((c) => c)) {
    fail(op, `rpb cannot be combined with causal masking (isCausal [${isCausal.join(', ')}]), as in NATTEN`);
  }
  if (rpb.shape.some((size, i) => size !== expected[i])) {
    fail(op, `rpb shape [${rpb.shape.join(', ')}] must be [${expected.join(', ')}] (heads, 2*kernelSize-1 per axis)`);
  }
}

export function checkScale(op: string, scale: number | undefined): void {
  if (scale !== undefined && (typeof scale !== 'number' || !Number.isFinite(scale))) {
    fail(op, `scale must be a finite number; got ${String(scale)}`);
  }
}

/** The kernels' attributes: 1-D tuples are padded to the 2-D form (a height-1 axis with kernel 1). */
export function toKernelAttrs(window: NAWindow, scale: number, kvHeads?: number): NAKernelAttrs {
  const pad = <T>(list: T[], one: T): T[] => (list.length === 1 ? [one, list[0]!] : [...list]);
  const attrs: NAKernelAttrs = {
    kernelSize: pad(window.kernelSize, 1),
    dilation: pad(window.dilation, 1),
    isCausal: pad(window.isCausal, false),
    stride: pad(window.stride, 1),
    scale,
  };
  // Only present when it matters, so plain calls keep today's attributes.
  if (kvHeads !== undefined) attrs.kvHeads = kvHeads;
  return attrs;
}
