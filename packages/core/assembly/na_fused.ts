// SPDX-License-Identifier: MIT
// Fused neighbourhood attention (QK + rpb, softmax, AV) with 128-bit SIMD over 3-D problems with GQA, run
// directly on the tfjs wasm backend's heap: this module imports that memory, so tensors are never copied.
// Pointers are byte offsets into the shared memory; the head dimension must be a multiple of 4.
// Each query's window is listed once for all its heads (window.ts) and handled as one tile, as in Faster
// Neighborhood Attention (Hassani et al., 2024): all its logits first, then their maximum, exp and sum, then the
// weighted sum of V, instead of rescaling the output per key (online softmax), so QK runs four keys at a time
// and AV keeps its accumulators in registers.
import { Softmax } from './softmax_row';
import { BIAS, HEADS, HEAD_DIM, KV_HEADS, field } from './problem';
import { BIASES, KEYS, VALUES, listWindow, paddedSlots, positions, resetWindow, windowCount, weightedRows, windowDots } from './window';

/**
 * `header` holds the problem and window tables (problem.ts); `scratch` window.ts's tables; `rpb` 0 when absent;
 * `lse` (`[B, *S, heads]`) 0 unless the log-sum-exp is wanted.
 */
export function fusedAttention(q: usize, k: usize, v: usize, rpb: usize, out: usize, lse: usize, header: usize, scratch: usize, scale: f32): void {
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
      // Pass 1: scaled logits, four keys at a time; pass 2: their softmax (softmax_row.ts).
      windowDots(qRow, k + kvOffset, keys, count, rowBytes, splatScale, logits);
      const inverseSum = Softmax.row(logits, count, rpb, rpbHead, biases, lse, pos * heads + h);
      // Pass 3: AV, normalised on the way out.
      weightedRows(logits, keys, count, v + kvOffset, rowBytes, out + <usize>(pos * heads + h) * rowBytes, f32x4.splat(inverseSum));
    }
  }
}
