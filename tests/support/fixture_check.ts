// SPDX-License-Identifier: MIT
// Checks of computed tensors against golden fixture tensors, keeping the largest error per target and output
// for a table printed at the end of the run.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { compareArrays } from './compare.js';
import type { FixtureTensor } from './safetensors.js';

export interface GoldenCase {
  name: string;
  tensors: Map<string, FixtureTensor>;
}

/** A fixture tensor as a float32 tf.Tensor. */
export function fixtureInput(c: GoldenCase, name: string): tf.Tensor {
  const t = c.tensors.get(name);
  if (t === undefined) throw new Error(`${c.name}: fixture has no tensor '${name}'`);
  return tf.tensor(t.data, t.shape, 'float32');
}

/** worst[target][output] = largest |a - e| / (1 + |e|) over every case checked. */
export class WorstErrors {
  private readonly worst: Record<string, Record<string, number>> = {};

  /** Expects `actual` to match fixture tensor `output` within `tol` (absolute and relative), -inf slots exactly. */
  check(target: string, c: GoldenCase, output: string, actual: tf.Tensor, tol: number): void {
    this.checkValues(target, c, output, actual.shape, actual.dataSync(), tol);
  }

  /** `check` on values already read back (backends such as webgpu read asynchronously). */
  checkValues(target: string, c: GoldenCase, output: string, shape: number[], values: ArrayLike<number>, tol: number): void {
    const expected = c.tensors.get(output)!;
    expect(shape, `${c.name} ${output} shape`).toEqual(expected.shape);
    const result = compareArrays(values, expected.data, tol, tol);
    const row = (this.worst[target] ??= {});
    row[output] = Math.max(row[output] ?? 0, result.worst);
    expect(result.infMismatch, `${c.name} ${output}: -inf slots differ`).toBe(0);
    expect(result.count, `${c.name} ${output}: ${result.count} elements outside tolerance (worst ${result.worst})`).toBe(0);
  }

  print(title: string): void {
    const rows = Object.values(this.worst);
    const outputs = [...new Set(rows.flatMap((row) => Object.keys(row)))];
    console.log(`\n${title}`);
    console.log(['output', ...Object.keys(this.worst)].map((s) => s.padEnd(18)).join(''));
    for (const output of outputs) {
      console.log([output, ...rows.map((row) => row[output]?.toExponential(2) ?? '-')].map((s) => s.padEnd(18)).join(''));
    }
  }
}
