// SPDX-License-Identifier: MIT
// Fused neighbourhood attention (QK + rpb, online softmax, AV) with 128-bit SIMD over 3-D problems with GQA, run
// directly on the tfjs wasm backend's heap: this module imports that memory, so tensors are never copied.
// Pointers are byte offsets into the shared memory; the head dimension must be a multiple of 4.
import { expNonPositive } from './exp';
import { BATCH, BIAS, DILATION, HEADS, HEAD_DIM, KV_HEADS, SIZE, entry, field, lanes, windowAxis } from './problem';

/** `header` holds the problem and window tables (problem.ts); `scratch` headDim f32; `rpb` 0 when absent. */
export function fusedAttention(q: usize, k: usize, v: usize, rpb: usize, out: usize, header: usize, scratch: usize, scale: f32): void {
  const X = field(header, SIZE), Y = field(header, SIZE + 1), Z = field(header, SIZE + 2);
  const d0 = field(header, DILATION), d1 = field(header, DILATION + 1), d2 = field(header, DILATION + 2);
  const bP = field(header, BIAS), bR = field(header, BIAS + 1), bC = field(header, BIAS + 2);
  const heads = field(header, HEADS), kvHeads = field(header, KV_HEADS), group = heads / kvHeads;
  const rowBytes = <usize>field(header, HEAD_DIM) << 2;
  const t0 = windowAxis(header, 0), t1 = windowAxis(header, 1), t2 = windowAxis(header, 2);
  for (let b = 0; b < field(header, BATCH); b++) {
    for (let x0 = 0; x0 < X; x0++) {
      const s0 = entry(t0, x0), c0 = entry(t0, X + x0), pb0 = entry(t0, 2 * X + x0);
      for (let x1 = 0; x1 < Y; x1++) {
        const s1 = entry(t1, x1), c1 = entry(t1, Y + x1), pb1 = entry(t1, 2 * Y + x1);
        for (let x2 = 0; x2 < Z; x2++) {
          const s2 = entry(t2, x2), c2 = entry(t2, Z + x2), pb2 = entry(t2, 2 * Z + x2);
          const pos = ((b * X + x0) * Y + x1) * Z + x2;
          for (let h = 0; h < heads; h++) {
            const hk = h / group;
            const qRow = q + <usize>(pos * heads + h) * rowBytes;
            memory.fill(scratch, 0, rowBytes);
            let runningMax: f32 = -Infinity;
            let denominator: f32 = 0;
            for (let n0 = 0; n0 < c0; n0++) {
              const plane = (b * X + s0 + n0 * d0) * Y;
              for (let n1 = 0; n1 < c1; n1++) {
                const row = (plane + s1 + n1 * d1) * Z;
                const biasRow = ((h * bP + pb0 + n0) * bR + pb1 + n1) * bC + pb2;
                for (let n2 = 0; n2 < c2; n2++) {
                  const offset = <usize>((row + s2 + n2 * d2) * kvHeads + hk) * rowBytes;
                  const kRow = k + offset;
                  let dot = f32x4.splat(0);
                  for (let c: usize = 0; c < rowBytes; c += 16) {
                    dot = f32x4.add(dot, f32x4.mul(v128.load(qRow + c), v128.load(kRow + c)));
                  }
                  let logit = scale * lanes(dot);
                  if (rpb != 0) logit += load<f32>(rpb + (<usize>(biasRow + n2) << 2));
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
}
