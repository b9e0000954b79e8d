// SPDX-License-Identifier: MIT
// Fused neighbourhood attention (QK + rpb, softmax, AV) with 128-bit SIMD over 3-D problems with GQA, run
// directly on the tfjs wasm backend's heap: this module imports that memory, so tensors are never copied.
// Pointers are byte offsets into the shared memory; the head dimension must be a multiple of 4.
// Each query's window is listed once for all its heads (window.ts) and handled as one tile, as in Faster
// Neighborhood Attention (Hassani et al., 2024): all its logits first, then their maximum, exp and sum, then the
// weighted sum of V, instead of rescaling the output per key (online softmax), so QK runs four keys at a time
// and AV keeps its accumulators in registers.
import { expNonPositive4 } from './exp';
import { BIAS, HEADS, HEAD_DIM, KV_HEADS, field } from './problem';
import { BIASES, KEYS, VALUES, listWindow, paddedSlots, positions, resetWindow, windowCount, weightedRows, windowDots } from './window';

/** `header` holds the problem and window tables (problem.ts); `scratch` window.ts's tables; `rpb` 0 when absent. */
export function fusedAttention(q: usize, k: usize, v: usize, rpb: usize, out: usize, header: usize, scratch: usize, scale: f32): void {
  const heads = field(header, HEADS), kvHeads = field(header, KV_HEADS), group = heads / kvHeads;
  const biasHead = field(header, BIAS) * field(header, BIAS + 1) * field(header, BIAS + 2);
  const rowBytes = <usize>field(header, HEAD_DIM) << 2;
  const padded = paddedSlots(header);
  const keys = scratch + padded * (KEYS << 2), biases = scratch + padded * (BIASES << 2), logits = scratch + padded * (VALUES << 2);
  const splatScale = f32x4.splat(scale);
  const total = positions(header);
  resetWindow(header, scratch);
  for (let pos = 0; pos < total; pos++) {
    const base = listWindow(header, scratch, pos, <usize>kvHeads * rowBytes), count = windowCount(header, scratch);
    for (let h = 0; h < heads; h++) {
      const kvOffset = base + <usize>(h / group) * rowBytes;
      const qRow = q + <usize>(pos * heads + h) * rowBytes;
      const rpbHead = rpb + (<usize>(h * biasHead) << 2);
      // Pass 1: scaled logits plus bias, four keys at a time, lanes past the window's end -inf; and their maximum.
      windowDots(qRow, k + kvOffset, keys, count, rowBytes, splatScale, logits);
      let most = f32x4.splat(-Infinity);
      for (let w = 0; w < count; w += 4) {
        const at = <usize>w << 2;
        let logit = v128.load(logits + at);
        if (rpb != 0) {
          let bias = v128.load32_zero(rpbHead + load<u32>(biases + at));
          bias = v128.load32_lane(rpbHead + load<u32>(biases + at, 4), bias, 1);
          bias = v128.load32_lane(rpbHead + load<u32>(biases + at, 8), bias, 2);
          bias = v128.load32_lane(rpbHead + load<u32>(biases + at, 12), bias, 3);
          logit = f32x4.add(logit, bias);
        }
        logit = v128.bitselect(logit, f32x4.splat(-Infinity), i32x4.gt_s(i32x4.splat(count - w), i32x4(0, 1, 2, 3)));
        v128.store(logits + at, logit);
        most = f32x4.pmax(most, logit);
      }
      most = f32x4.pmax(most, f32x4.shuffle(most, most, 2, 3, 0, 1));
      most = f32x4.pmax(most, f32x4.shuffle(most, most, 1, 0, 3, 2));
      // Pass 2: weights and their sum (the -inf lanes give e^-87, nothing beside the maximum's 1).
      let sum = f32x4.splat(0);
      for (let w = 0; w < count; w += 4) {
        const weight = expNonPositive4(f32x4.sub(v128.load(logits + (<usize>w << 2)), most));
        v128.store(logits + (<usize>w << 2), weight);
        sum = f32x4.add(sum, weight);
      }
      sum = f32x4.add(sum, f32x4.shuffle(sum, sum, 2, 3, 0, 1));
      sum = f32x4.add(sum, f32x4.shuffle(sum, sum, 1, 0, 3, 2));
      // Pass 3: AV, normalised on the way out.
      weightedRows(logits, keys, count, v + kvOffset, rowBytes, out + <usize>(pos * heads + h) * rowBytes, f32x4.div(f32x4.splat(1), sum));
    }
  }
}
