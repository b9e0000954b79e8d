// SPDX-License-Identifier: MIT
// AV and QK's backprop-query: out_i = scale * sum_slot w[i, slot] * values_key(i,slot), clipped slots skipped.
// 3-D with GQA; same header and window tables as na_fused.ts; `scratch` holds headDim f32 accumulators.
import { BATCH, DILATION, HEADS, HEAD_DIM, KERNEL, KV_HEADS, SIZE, entry, field, windowAxis } from './problem';

export function neighborhoodWeightedSum(weights: usize, values: usize, out: usize, header: usize, scratch: usize, scale: f32): void {
  const X = field(header, SIZE), Y = field(header, SIZE + 1), Z = field(header, SIZE + 2);
  const k1 = field(header, KERNEL + 1), k2 = field(header, KERNEL + 2);
  const d0 = field(header, DILATION), d1 = field(header, DILATION + 1), d2 = field(header, DILATION + 2);
  const heads = field(header, HEADS), kvHeads = field(header, KV_HEADS), group = heads / kvHeads;
  const rowBytes = <usize>field(header, HEAD_DIM) << 2;
  const slots = field(header, KERNEL) * k1 * k2;
  const splatScale = f32x4.splat(scale);
  const t0 = windowAxis(header, 0), t1 = windowAxis(header, 1), t2 = windowAxis(header, 2);
  for (let bi = 0; bi < field(header, BATCH); bi++) {
    for (let x0 = 0; x0 < X; x0++) {
      const s0 = entry(t0, x0), c0 = entry(t0, X + x0);
      for (let x1 = 0; x1 < Y; x1++) {
        const s1 = entry(t1, x1), c1 = entry(t1, Y + x1);
        for (let x2 = 0; x2 < Z; x2++) {
          const s2 = entry(t2, x2), c2 = entry(t2, Z + x2);
          const pos = ((bi * X + x0) * Y + x1) * Z + x2;
          for (let h = 0; h < heads; h++) {
            const hk = h / group;
            const weightRow = weights + (<usize>((pos * heads + h) * slots) << 2);
            memory.fill(scratch, 0, rowBytes);
            for (let n0 = 0; n0 < c0; n0++) {
              const plane = (bi * X + s0 + n0 * d0) * Y;
              for (let n1 = 0; n1 < c1; n1++) {
                const row = (plane + s1 + n1 * d1) * Z;
                const slotRow = (n0 * k1 + n1) * k2;
                for (let n2 = 0; n2 < c2; n2++) {
                  const w = f32x4.splat(load<f32>(weightRow + (<usize>(slotRow + n2) << 2)));
                  const vRow = values + <usize>((row + s2 + n2 * d2) * kvHeads + hk) * rowBytes;
                  for (let c: usize = 0; c < rowBytes; c += 16) {
                    v128.store(scratch + c, f32x4.add(v128.load(scratch + c), f32x4.mul(w, v128.load(vRow + c))));
                  }
                }
              }
            }
            const outRow = out + <usize>(pos * heads + h) * rowBytes;
            for (let c: usize = 0; c < rowBytes; c += 16) {
              v128.store(outRow + c, f32x4.mul(v128.load(scratch + c), splatScale));
            }
          }
        }
      }
    }
  }
}
