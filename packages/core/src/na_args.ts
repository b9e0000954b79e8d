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
  /** Relative positional bias `[heads, 2k-1]` (1-D) or `[heads, 2k0-1, 2k1-1]` (2-D). */
  rpb?: Tensor;
  /** Multiplies `q . k` before the bias is added; default 1 for the split op (NATTEN's unfused convention). */
  scale?: number;
}

export type NAAVOptions = Pick<NAQKOptions, 'kernelSize' | 'dilation' | 'isCausal'>;

/** Options of the fused op; `scale` defaults to `headDim ** -0.5`. */
export type NAOptions = NAQKOptions;

export type SpatialRank = 1 | 2;

/** Attributes every NA kernel receives: 2-D tuples (1-D runs as a height-1 2-D problem) and the scale. */
export interface NAKernelAttrs extends ProblemAttrs {
  scale: number;
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

/** Normalises kernel size, dilation and causality and checks them against the spatial shape. */
export function normalizeWindow(
  op: string,
  rank: SpatialRank,
  opts: NAAVOptions | undefined,
  inputShape: readonly number[],
): { kernelSize: number[]; dilation: number[]; isCausal: boolean[] } {
  if (opts == null || opts.kernelSize == null) fail(op, 'opts.kernelSize is required');
  const kernelSize = perAxis(op, 'kernelSize', opts.kernelSize, rank);
  const dilation = perAxis(op, 'dilation', opts.dilation ?? 1, rank);
  const isCausal = perAxis(op, 'isCausal', opts.isCausal ?? false, rank);
  if (isCausal.some((c) => typeof c !== 'boolean')) {
    fail(op, `isCausal must be a boolean on every axis; got [${isCausal.map(String).join(', ')}]`);
  }
  const spatial = spatialShapeOf(inputShape, rank);
  for (let axis = 0; axis < rank; axis++) {
    const k = kernelSize[axis]!;
    const d = dilation[axis]!;
    if (!Number.isInteger(k) || k < 2) fail(op, `kernelSize must be an integer >= 2 on every axis; got [${kernelSize.join(', ')}]`);
    if (!Number.isInteger(d) || d < 1) fail(op, `dilation must be an integer >= 1 on every axis; got [${dilation.join(', ')}]`);
    if (k * d > spatial[axis]!) {
      fail(
        op,
        `kernelSize*dilation (${k}*${d}=${k * d}) > input size (${spatial[axis]}) on axis ${axis}; ` +
          `every axis needs kernelSize*dilation <= size (input spatial shape [${spatial.join(', ')}])`,
      );
    }
  }
  return { kernelSize, dilation, isCausal };
}

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
  checkTensor(op, 'rpb', rpb, rank + 1, rank === 1 ? '[heads, 2k-1]' : '[heads, 2k0-1, 2k1-1]');
  if (kernelSize.some((k) => k % 2 === 0)) {
    fail(op, `rpb needs an odd kernelSize on every axis; got kernelSize [${kernelSize.join(', ')}]`);
  }
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

/** Pads 1-D tuples to the 2-D form the kernels take: a height-1 axis with kernel 1. */
export function toKernelAttrs(
  window: { kernelSize: number[]; dilation: number[]; isCausal: boolean[] },
  scale: number,
): NAKernelAttrs {
  const { kernelSize: k, dilation: d, isCausal: c } = window;
  if (k.length === 1) {
    return { kernelSize: [1, k[0]!], dilation: [1, d[0]!], isCausal: [false, c[0]!], scale };
  }
  return { kernelSize: [k[0]!, k[1]!], dilation: [d[0]!, d[1]!], isCausal: [c[0]!, c[1]!], scale };
}
