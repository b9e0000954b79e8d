// SPDX-License-Identifier: MIT
// Fused neighbourhood attention (QK + rpb, online softmax, AV) with 128-bit SIMD, run directly on the tfjs
// wasm backend's heap: this module imports that memory, so tensors are never copied.
// Pointers are byte offsets into the shared memory; the head dimension must be a multiple of 4.
import { expNonPositive } from './exp';

/**
 * `tables` holds six int32 arrays: rowStart[H], rowCount[H], rowBias[H], colStart[W], colCount[W], colBias[W]
 * (the window geometry); `scratch` has room for `headDim` f32 accumulators; `rpb` is 0 when there is no bias.
 */
export function fusedAttention(
  q: usize, k: usize, v: usize, rpb: usize, out: usize, tables: usize, scratch: usize,
  batch: i32, height: i32, width: i32, heads: i32, headDim: i32,
  rowDilation: i32, colDilation: i32, biasRows: i32, biasCols: i32, scale: f32,
): void {
  const rowStart = tables;
  const rowCount = rowStart + (<usize>height << 2);
  const rowBias = rowCount + (<usize>height << 2);
  const colStart = rowBias + (<usize>height << 2);
  const colCount = colStart + (<usize>width << 2);
  const colBias = colCount + (<usize>width << 2);
  const rowBytes = <usize>headDim << 2;
  for (let b = 0; b < batch; b++) {
    for (let i0 = 0; i0 < height; i0++) {
      const s0 = load<i32>(rowStart + (<usize>i0 << 2));
      const c0 = load<i32>(rowCount + (<usize>i0 << 2));
      const pb0 = load<i32>(rowBias + (<usize>i0 << 2));
      for (let i1 = 0; i1 < width; i1++) {
        const s1 = load<i32>(colStart + (<usize>i1 << 2));
        const c1 = load<i32>(colCount + (<usize>i1 << 2));
        const pb1 = load<i32>(colBias + (<usize>i1 << 2));
        const pos = (b * height + i0) * width + i1;
        for (let h = 0; h < heads; h++) {
          const qRow = q + <usize>(pos * heads + h) * rowBytes;
          memory.fill(scratch, 0, rowBytes);
          let runningMax: f32 = -Infinity;
          let denominator: f32 = 0;
          for (let n0 = 0; n0 < c0; n0++) {
            const keyRow = (b * height + s0 + n0 * rowDilation) * width;
            for (let n1 = 0; n1 < c1; n1++) {
              const offset = <usize>((keyRow + s1 + n1 * colDilation) * heads + h) * rowBytes;
              const kRow = k + offset;
              let dot = f32x4.splat(0);
              for (let c: usize = 0; c < rowBytes; c += 16) {
                dot = f32x4.add(dot, f32x4.mul(v128.load(qRow + c), v128.load(kRow + c)));
              }
              let logit = scale * (f32x4.extract_lane(dot, 0) + f32x4.extract_lane(dot, 1) +
                f32x4.extract_lane(dot, 2) + f32x4.extract_lane(dot, 3));
              if (rpb != 0) {
                logit += load<f32>(rpb + (<usize>((h * biasRows + pb0 + n0) * biasCols + pb1 + n1) << 2));
              }
              if (logit > runningMax) {
                // A new maximum rescales what has been accumulated (online softmax).
                const correction = expNonPositive(runningMax - logit);
                denominator *= correction;
                const splat = f32x4.splat(correction);
                for (let c: usize = 0; c < rowBytes; c += 16) {
                  v128.store(scratch + c, f32x4.mul(v128.load(scratch + c), splat));
                }
                runningMax = logit;
              }
              const weight = expNonPositive(logit - runningMax);
              denominator += weight;
              const splat = f32x4.splat(weight);
              const vRow = v + offset;
              for (let c: usize = 0; c < rowBytes; c += 16) {
                v128.store(scratch + c, f32x4.add(v128.load(scratch + c), f32x4.mul(splat, v128.load(vRow + c))));
              }
            }
          }
          const inverse = f32x4.splat(<f32>1 / denominator);
          const outRow = out + <usize>(pos * heads + h) * rowBytes;
          for (let c: usize = 0; c < rowBytes; c += 16) {
            v128.store(outRow + c, f32x4.mul(v128.load(scratch + c), inverse));
          }
        }
      }
    }
  }
}
