// SPDX-License-Identifier: MIT
// The wasm Linear kernel (assembly/linear over kernels packed once, packed_panels.ts) against tfjs-wasm's own
// _FusedMatMul (XNNPACK) and a float64 reference, on shapes whose rows, steps and columns leave every ragged edge
// of its 6 x 8 tiles; its cache of packed kernels under new values, reshapes and disposal; the op's argument errors.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { Linear, NAArgumentError, linear } from '../src/index.js';
import { linearSplit } from '../src/ops/linear.js';
import { runsFusedKernel } from '../src/advanced.js';
import { packedPanelBytes, packedPanelHeapBytes } from '../src/kernels/wasm/packed_panels.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const values = (n: number, salt: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + salt) * (1 + (i % 5)));
const backend = () => tf.backend() as BackendWasm;

/** tfjs-wasm's own product: XNNPACK, which starts its accumulators at the bias and adds the steps in order. */
function xnnpack(x: tf.Tensor2D, kernel: tf.Tensor2D, bias?: tf.Tensor1D): Float32Array {
  return tf.tidy(() => tf.fused.matMul({ a: x, b: kernel, bias }).dataSync() as Float32Array);
}

/** The product in float64. */
function reference(x: Float32Array, kernel: Float32Array, bias: Float32Array | null, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = bias?.[j] ?? 0;
      for (let s = 0; s < k; s++) sum += x[i * k + s]! * kernel[s * n + j]!;
      out[i * n + j] = sum;
    }
  }
  return out;
}

describe('Linear on wasm', () => {
  it('runs as one kernel where the single-threaded build runs', async () => {
    expect(runsFusedKernel(Linear)).toBe(true);
    const x = tf.tensor3d(values(2 * 5 * 16, 1), [2, 5, 16]);
    const kernel = tf.tensor2d(values(16 * 24, 2), [16, 24]);
    const info = await tf.profile(() => linear(x, kernel, tf.zeros([24])));
    expect(info.kernels.map((k) => k.name).filter((name) => name !== 'Fill')).toEqual([Linear]);
  });

  it('equals XNNPACK bit for bit and float64 to 1e-6, on every ragged edge of its tiles', () => {
    expect(runsFusedKernel(Linear)).toBe(true);
    for (const m of [1, 5, 6, 7, 13]) {
      for (const k of [1, 3, 4, 7, 66]) {
        for (const n of [1, 7, 8, 9, 20]) {
          for (const withBias of [false, true]) {
            const xs = values(m * k, m + k);
            const ws = values(k * n, n - k);
            const bs = withBias ? values(n, 3) : null;
            const x = tf.tensor2d(xs, [m, k]);
            const kernel = tf.tensor2d(ws, [k, n]);
            const bias = bs === null ? undefined : tf.tensor1d(bs);
            // The kernel itself: the op sends fewer than 6 rows to XNNPACK (see the next test).
            const ours = tf.engine().runKernel(Linear, { x, kernel, bias: bias ?? tf.zeros([0]) }, { splits: [] }) as tf.Tensor;
            const got = ours.dataSync();
            const label = `m ${m} k ${k} n ${n} bias ${withBias}`;
            expect(ours.shape, label).toEqual([m, n]);
            expect(Array.from(got), label).toEqual(Array.from(xnnpack(x, kernel, bias)));
            const exact = reference(xs, ws, bs, m, k, n);
            const scale = Math.max(1, ...Array.from(exact, Math.abs));
            expect(Math.max(...Array.from(got, (v, i) => Math.abs(v - exact[i]!))) / scale, label).toBeLessThan(1e-6);
            tf.dispose([x, kernel, ours, ...(bias === undefined ? [] : [bias])]);
          }
        }
      }
    }
  });

  it('leaves fewer rows than its 6-row tile to XNNPACK', async () => {
    const kernel = tf.tensor2d(values(16 * 24, 15), [16, 24]);
    for (const rows of [1, 5, 6]) {
      const x = tf.tensor2d(values(rows * 16, 16), [rows, 16]);
      const names = (await tf.profile(() => linear(x, kernel))).kernels.map((k) => k.name);
      expect(names.includes(Linear), `${rows} rows: ${names}`).toBe(rows >= 6);
      expect(names.includes('_FusedMatMul'), `${rows} rows: ${names}`).toBe(rows < 6);
    }
  });

  it('gives the bias alone for a kernel of no input channels', () => {
    const bias = tf.tensor1d([1, -2, 3]);
    const out = tf.engine().runKernel(Linear, { x: tf.zeros([7, 0]), kernel: tf.zeros([0, 3]), bias }, { splits: [] }) as tf.Tensor;
    expect(out.shape).toEqual([7, 3]);
    expect(Array.from(out.dataSync())).toEqual(Array.from({ length: 21 }, (_, i) => [1, -2, 3][i % 3]));
  });

  it('keeps the leading axes of tokens of any rank', () => {
    const x = tf.tensor4d(values(2 * 3 * 4 * 10, 4), [2, 3, 4, 10]);
    const kernel = tf.tensor2d(values(10 * 12, 5), [10, 12]);
    const out = linear(x, kernel, null);
    expect(out.shape).toEqual([2, 3, 4, 12]);
    expect(Array.from(out.dataSync())).toEqual(Array.from(xnnpack(tf.reshape(x, [24, 10]), kernel)));
  });

  it('packs a kernel once, anew when the variable is assigned or the data reshaped, and frees packs of freed data', () => {
    const x = tf.tensor2d(values(6 * 16, 6), [6, 16]);
    const weights = tf.tidy(() => tf.variable(tf.tensor2d(values(16 * 16, 7), [16, 16])));
    // Packs left by earlier tests whose data is freed go at the next miss: leave exactly one such, of known size.
    const spent = tf.tensor2d(values(16 * 8, 12), [16, 8]);
    linear(x, spent).dispose();
    spent.dispose();
    const before = packedPanelHeapBytes(backend()) - packedPanelBytes(16, 8);
    const first = linear(x, weights).dataSync();
    expect(packedPanelHeapBytes(backend()) - before).toBe(packedPanelBytes(16, 16));
    linear(x, weights).dispose();
    expect(packedPanelHeapBytes(backend()) - before).toBe(packedPanelBytes(16, 16));

    tf.tidy(() => weights.assign(tf.mul(weights, 2)));
    const doubled = linear(x, weights).dataSync();
    expect(Array.from(doubled)).toEqual(Array.from(first, (v) => v * 2));
    // The first value's data is freed by the assign, and its pack at that miss.
    expect(packedPanelHeapBytes(backend()) - before).toBe(packedPanelBytes(16, 16));

    // The same data as [32, 8]: another packing.
    const wide = tf.reshape(weights, [32, 8]) as tf.Tensor2D;
    const x32 = tf.tensor2d(values(6 * 32, 8), [6, 32]);
    expect(Array.from(linear(x32, wide).dataSync())).toEqual(Array.from(xnnpack(x32, wide)));

    weights.dispose();
    wide.dispose();
    const other = tf.tensor2d(values(16 * 8, 9), [16, 8]);
    linear(x, other).dispose();
    expect(packedPanelHeapBytes(backend()) - before).toBe(packedPanelBytes(16, 8));
    tf.dispose([x, x32, other]);
  });

  it('splits into column blocks in one kernel where they start on whole panels, and equals the split product', async () => {
    const x = tf.tensor3d(values(2 * 9 * 24, 13), [2, 9, 24]);
    for (const widths of [[16, 8, 8], [24, 24, 24], [8, 16, 5], [12, 12, 12], [0, 32, 0]]) {
      const units = widths.reduce((a, b) => a + b, 0);
      const kernel = tf.tensor2d(values(24 * units, units), [24, units]);
      const bias = tf.tensor1d(values(units, 14));
      const info = await tf.profile(() => linearSplit(x, kernel, bias, widths));
      const whole = widths.every((_, i) => widths.slice(0, i).reduce((a, b) => a + b, 0) % 8 === 0);
      const names = info.kernels.map((k) => k.name).filter((name) => name !== 'Fill');
      // Blocks off the panel grid: one product, then a copy that splits it.
      if (whole) expect(names, `${widths}`).toEqual([Linear]);
      else expect(names.some((name) => ['SplitV', 'Slice', 'Transpose'].includes(name)), `${widths}: ${names}`).toBe(true);
      const parts = linearSplit(x, kernel, bias, widths);
      const expected = tf.split(tf.reshape(tf.fused.matMul({ a: tf.reshape(x, [18, 24]) as tf.Tensor2D, b: kernel, bias }), [2, 9, units]), widths, -1);
      parts.forEach((part, i) => {
        expect(part.shape, `${widths} block ${i}`).toEqual([2, 9, widths[i]]);
        expect(Array.from(part.dataSync()), `${widths} block ${i}`).toEqual(Array.from(expected[i]!.dataSync()));
      });
    }
    expect(() => linearSplit(x, tf.zeros([24, 10]), null, [4, 4])).toThrow(/linearSplit: widths must be non-negative integers summing to kernel's U = 10; got \[4, 4\]/);
  });

  it('names the argument and the value it rejects', () => {
    const x = tf.zeros([2, 4]);
    expect(() => linear(x, tf.zeros([4]))).toThrow(NAArgumentError);
    expect(() => linear(x, tf.zeros([4]))).toThrow(/linear: kernel must have rank 2 \(\[C, U\]\); got shape \[4\]/);
    expect(() => linear(x, tf.zeros([5, 3]))).toThrow(/linear: x's last axis must be kernel's C = 5; got shape \[2, 4\]/);
    expect(() => linear(x, tf.zeros([4, 3]), tf.zeros([4]))).toThrow(/linear: bias must have shape \[3\] \(kernel's U\); got \[4\]/);
  });

  it('leaves gradients to fused.matMul', () => {
    const x = tf.tensor2d(values(5 * 6, 10), [5, 6]);
    const kernel = tf.tensor2d(values(6 * 3, 11), [6, 3]);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(linear(a, b))))([x, kernel]);
    const [ex, ew] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D))))([x, kernel]);
    expect(tf.max(tf.abs(tf.sub(dx!, ex!))).dataSync()[0]).toBeLessThan(1e-5);
    expect(tf.max(tf.abs(tf.sub(dw!, ew!))).dataSync()[0]).toBeLessThan(1e-5);
  });
});
