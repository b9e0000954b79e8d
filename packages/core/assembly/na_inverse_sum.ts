// SPDX-License-Identifier: MIT
// dK and dV: out_x = scale * sum over the queries whose window holds key x (the inverse neighbourhood, over
// stride groups) and the query heads reading its kv head, of w[i, slot] * values_i. The header is followed by
// per-axis CSR tables offset[L+1], query[n], slot[n] (problem.ts); `scratch` holds headDim f32 accumulators.
import { BATCH, ENTRIES, HEADS, HEAD_DIM, KERNEL, KV_HEADS, SIZE, entry, field, inverseAxis } from './problem';

export function inverseWeightedSum(weights: usize, values: usize, out: usize, header: usize, scratch: usize, scale: f32): void {
  const X = field(header, SIZE), Y = field(header, SIZE + 1), Z = field(header, SIZE + 2);
  const k1 = field(header, KERNEL + 1), k2 = field(header, KERNEL + 2);
  const heads = field(header, HEADS), kvHeads = field(header, KV_HEADS), group = heads / kvHeads;
  const rowBytes = <usize>field(header, HEAD_DIM) << 2;
  const slots = field(header, KERNEL) * k1 * k2;
  const splatScale = f32x4.splat(scale);
  // Per axis: offsets at o, queries at o + (L+1), slots at o + (L+1) + entries.
  const o0 = inverseAxis(header, 0);
  const o1 = inverseAxis(header, 1);
  const o2 = inverseAxis(header, 2);
  const q0 = o0 + (<usize>(X + 1) << 2);
  const q1 = o1 + (<usize>(Y + 1) << 2);
  const q2 = o2 + (<usize>(Z + 1) << 2);
  const n0s = q0 + (<usize>field(header, ENTRIES) << 2);
  const n1s = q1 + (<usize>field(header, ENTRIES + 1) << 2);
  const n2s = q2 + (<usize>field(header, ENTRIES + 2) << 2);
  for (let bi = 0; bi < field(header, BATCH); bi++) {
    for (let x0 = 0; x0 < X; x0++) {
      for (let x1 = 0; x1 < Y; x1++) {
        for (let x2 = 0; x2 < Z; x2++) {
          const keyPos = ((bi * X + x0) * Y + x1) * Z + x2;
          for (let hk = 0; hk < kvHeads; hk++) {
            memory.fill(scratch, 0, rowBytes);
            for (let h = hk * group; h < (hk + 1) * group; h++) {
              for (let r0 = entry(o0, x0); r0 < entry(o0, x0 + 1); r0++) {
                const plane = (bi * X + entry(q0, r0)) * Y;
                const slotPlane = entry(n0s, r0) * k1;
                for (let r1 = entry(o1, x1); r1 < entry(o1, x1 + 1); r1++) {
                  const row = (plane + entry(q1, r1)) * Z;
                  const slotRow = (slotPlane + entry(n1s, r1)) * k2;
                  for (let r2 = entry(o2, x2); r2 < entry(o2, x2 + 1); r2++) {
                    const queryPos = row + entry(q2, r2);
                    const slot = slotRow + entry(n2s, r2);
                    const w = f32x4.splat(load<f32>(weights + (<usize>((queryPos * heads + h) * slots + slot) << 2)));
                    const vRow = values + <usize>(queryPos * heads + h) * rowBytes;
                    for (let ch: usize = 0; ch < rowBytes; ch += 16) {
                      v128.store(scratch + ch, f32x4.add(v128.load(scratch + ch), f32x4.mul(w, v128.load(vRow + ch))));
                    }
                  }
                }
              }
            }
            const outRow = out + <usize>(keyPos * kvHeads + hk) * rowBytes;
            for (let ch: usize = 0; ch < rowBytes; ch += 16) {
              v128.store(outRow + ch, f32x4.mul(v128.load(scratch + ch), splatScale));
            }
          }
        }
      }
    }
  }
}
