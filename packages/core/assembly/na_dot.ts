// SPDX-License-Identifier: MIT
// QK (+rpb) and AV's backprop-attn: out[i, slot] = scale * a_i . b_key(i,slot) + rpb, `masked` in clipped slots.
// 3-D with GQA; same header and window tables as na_fused.ts.
import { BATCH, BIAS, DILATION, HEADS, HEAD_DIM, KERNEL, KV_HEADS, SIZE, entry, field, lanes, windowAxis } from './problem';

export function neighborhoodDot(a: usize, b: usize, rpb: usize, out: usize, header: usize, scale: f32, masked: f32): void {
  const X = field(header, SIZE), Y = field(header, SIZE + 1), Z = field(header, SIZE + 2);
  const k0 = field(header, KERNEL), k1 = field(header, KERNEL + 1), k2 = field(header, KERNEL + 2);
  const d0 = field(header, DILATION), d1 = field(header, DILATION + 1), d2 = field(header, DILATION + 2);
  const bP = field(header, BIAS), bR = field(header, BIAS + 1), bC = field(header, BIAS + 2);
  const heads = field(header, HEADS), kvHeads = field(header, KV_HEADS), group = heads / kvHeads;
  const rowBytes = <usize>field(header, HEAD_DIM) << 2;
  const slots = k0 * k1 * k2;
  const t0 = windowAxis(header, 0), t1 = windowAxis(header, 1), t2 = windowAxis(header, 2);
  for (let bi = 0; bi < field(header, BATCH); bi++) {
    for (let x0 = 0; x0 < X; x0++) {
      const s0 = entry(t0, x0), c0 = entry(t0, X + x0), pb0 = entry(t0, 2 * X + x0);
      for (let x1 = 0; x1 < Y; x1++) {
        const s1 = entry(t1, x1), c1 = entry(t1, Y + x1), pb1 = entry(t1, 2 * Y + x1);
        for (let x2 = 0; x2 < Z; x2++) {
          const s2 = entry(t2, x2), c2 = entry(t2, Z + x2), pb2 = entry(t2, 2 * Z + x2);
          const pos = ((bi * X + x0) * Y + x1) * Z + x2;
          for (let h = 0; h < heads; h++) {
            const hk = h / group;
            const aRow = a + <usize>(pos * heads + h) * rowBytes;
            let slotAt = out + (<usize>((pos * heads + h) * slots) << 2);
            for (let n0 = 0; n0 < k0; n0++) {
              const plane = (bi * X + s0 + n0 * d0) * Y;
              for (let n1 = 0; n1 < k1; n1++) {
                const row = (plane + s1 + n1 * d1) * Z;
                const biasRow = ((h * bP + pb0 + n0) * bR + pb1 + n1) * bC + pb2;
                for (let n2 = 0; n2 < k2; n2++, slotAt += 4) {
                  if (n0 >= c0 || n1 >= c1 || n2 >= c2) {
                    store<f32>(slotAt, masked);
                    continue;
                  }
                  const bRow = b + <usize>((row + s2 + n2 * d2) * kvHeads + hk) * rowBytes;
                  let dot = f32x4.splat(0);
                  for (let c: usize = 0; c < rowBytes; c += 16) {
                    dot = f32x4.add(dot, f32x4.mul(v128.load(aRow + c), v128.load(bRow + c)));
                  }
                  let value = scale * lanes(dot);
                  if (rpb != 0) value += load<f32>(rpb + (<usize>(biasRow + n2) << 2));
                  store<f32>(slotAt, value);
                }
              }
            }
          }
        }
      }
    }
  }
}
