// SPDX-License-Identifier: MIT
// The weights of a StyleNAT module: tf.Variables keyed by the upstream state_dict names, each with the layout
// rule between PyTorch and us. The generator and discriminator are plain functions of these variables, which
// keeps conversion one loop, gradients a `variableGrads` call, and EMA a loop over two sets.
import * as tf from '@tensorflow/tfjs';
import { randomSeed } from '@natzoo/core';

/**
 * How a PyTorch tensor maps to ours: `linear` `[out, in]` -> `[in, out]`; `conv` OIHW -> HWIO; `nchw`
 * `[1, C, H, W]` -> `[1, H, W, C]`; `flatten` any shape -> `[numel]` (ToRGB's `[1, 3, 1, 1]` bias); `same` as is.
 */
export type ParamLayout = 'linear' | 'conv' | 'nchw' | 'flatten' | 'same';

export interface ParamSpec {
  key: string;
  /** Our shape. */
  shape: number[];
  /** The PyTorch shape (what the state_dict holds). */
  torchShape: number[];
  layout: ParamLayout;
  /** False for buffers that change outside the optimiser (spectral-norm u, v). */
  trainable: boolean;
  init: () => tf.Tensor;
}

/** Our shape -> PyTorch shape for a layout. */
export function torchShapeOf(shape: readonly number[], layout: ParamLayout, torchShape?: readonly number[]): number[] {
  switch (layout) {
    case 'linear':
      return [shape[1]!, shape[0]!];
    case 'conv':
      return [shape[3]!, shape[2]!, shape[0]!, shape[1]!];
    case 'nchw':
      return [shape[0]!, shape[3]!, shape[1]!, shape[2]!];
    case 'flatten':
      return [...(torchShape ?? shape)];
    case 'same':
      return [...shape];
  }
}

/** `data` of `shape` with its axes permuted (`out.shape[i] = shape[perm[i]]`), in plain JS (no backend readback). */
function permute(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const strides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  const outShape = perm.map((p) => shape[p]!);
  const outStrides = perm.map((p) => strides[p]!);
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  for (let n = 0; n < out.length; n++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += index[i]! * outStrides[i]!;
    out[n] = data[src]!;
    for (let i = rank - 1; i >= 0; i--) {
      if (++index[i]! < outShape[i]!) break;
      index[i] = 0;
    }
  }
  return out;
}

/** Converts PyTorch-layout data to ours. */
export function fromTorch(data: Float32Array, torchShape: readonly number[], layout: ParamLayout): Float32Array {
  switch (layout) {
    case 'linear':
      return permute(data, torchShape, [1, 0]);
    case 'conv':
      return permute(data, torchShape, [2, 3, 1, 0]);
    case 'nchw':
      return permute(data, torchShape, [0, 2, 3, 1]);
    default:
      return data;
  }
}

/** Converts our data back to the PyTorch layout. */
export function toTorch(data: Float32Array, shape: readonly number[], layout: ParamLayout): Float32Array {
  switch (layout) {
    case 'linear':
      return permute(data, shape, [1, 0]);
    case 'conv':
      return permute(data, shape, [3, 2, 0, 1]);
    case 'nchw':
      return permute(data, shape, [0, 3, 1, 2]);
    default:
      return data;
  }
}

/** Variables for a list of specs, created with their initialisers (or from `values`, in our layout). */
export class ParamSet {
  readonly specs: ReadonlyMap<string, ParamSpec>;
  readonly vars = new Map<string, tf.Variable>();

  constructor(specs: readonly ParamSpec[], values?: ReadonlyMap<string, Float32Array>) {
    this.specs = new Map(specs.map((s) => [s.key, s]));
    for (const spec of specs) {
      const given = values?.get(spec.key);
      const initial = given === undefined ? tf.tidy(spec.init) : tf.tensor(given, spec.shape);
      if (!tf.util.arraysEqual(initial.shape, spec.shape)) {
        throw new Error(`${spec.key}: initialiser gave shape [${initial.shape.join(', ')}], expected [${spec.shape.join(', ')}]`);
      }
      this.vars.set(spec.key, tf.variable(initial, spec.trainable));
      initial.dispose();
    }
  }

  /** The variable for `key` (throws with the name when the module has no such weight). */
  get(key: string): tf.Variable {
    const v = this.vars.get(key);
    if (v === undefined) throw new Error(`no weight '${key}' in this module`);
    return v;
  }

  has(key: string): boolean {
    return this.vars.has(key);
  }

  trainable(): tf.Variable[] {
    return [...this.vars].filter(([k]) => this.specs.get(k)!.trainable).map(([, v]) => v);
  }

  /** Name -> variable for the trainable weights (what `tf.variableGrads` returns, keyed by our names). */
  trainableByName(): Map<string, tf.Variable> {
    return new Map([...this.vars].filter(([k]) => this.specs.get(k)!.trainable));
  }

  countParams(): number {
    let n = 0;
    for (const [k, v] of this.vars) if (this.specs.get(k)!.trainable) n += v.size;
    return n;
  }

  /** Copies every value from `other` (same specs), e.g. to start G-EMA from G. */
  assignFrom(other: ParamSet): void {
    for (const [k, v] of this.vars) v.assign(other.get(k));
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

// Initialisers matching upstream's (`Generator._init_weights`, EqualLinear, ConstantInput, trunc_normal_), seeded
// from the active random source (@natzoo/core's withRandomSource) when they run.
export const init = {
  zeros: (shape: number[]) => () => tf.zeros(shape),
  ones: (shape: number[]) => () => tf.ones(shape),
  normal: (shape: number[], std = 1) => () => tf.randomNormal(shape, 0, std, 'float32', randomSeed()),
  truncNormal: (shape: number[], std: number) => () => tf.truncatedNormal(shape, 0, std, 'float32', randomSeed()),
  uniform: (shape: number[], bound: number) => () => tf.randomUniform(shape, -bound, bound, 'float32', randomSeed()),
  /** A random unit vector (spectral-norm u, v start). */
  unit: (shape: number[]) => () => tf.tidy(() => {
    const r = tf.randomNormal(shape, 0, 1, 'float32', randomSeed());
    return tf.div(r, tf.add(tf.norm(r), 1e-12));
  }),
};
