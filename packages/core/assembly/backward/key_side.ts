// SPDX-License-Identifier: MIT
// Key-side pass of the fused backward: dk (or dv) of each key from the queries whose window holds it (the inverse
// neighbourhood over stride groups and the query heads of its kv head), recomputing P from the log-sum-exp.
// The header is followed by the inverse tables, then the window tables (for the queries' bias offsets).
import { expNonPositive } from '../exp';
import { BATCH, BIAS, ENTRIES, HEADS, HEAD_DIM, KV_HEADS, SIZE, dotRows, entry, field, inverseAxis, windowAxis } from '../problem';

/** `value` false: dk = scale sum dS q; true: dv = sum P dOut. `scratch` holds headDim f32. */
export function backpropKeyValue(
  q: usize, k: usize, v: usize, rpb: usize, lse: usize, delta: usize, dOut: usize, out: usize, header: usize, scratch: usize,
  scale: f32, value: bool,
): void {
  const X = field(header, SIZE), Y = field(header, SIZE + 1), Z = field(header, SIZE + 2);
  const bP = field(header, BIAS), bR = field(header, BIAS + 1), bC = field(header, BIAS + 2);
  const heads = field(header, HEADS), kvHeads = field(header, KV_HEADS), group = heads / kvHeads;
  const rowBytes = <usize>field(header, HEAD_DIM) << 2;
  const o0 = inverseAxis(header, 0), o1 = inverseAxis(header, 1), o2 = inverseAxis(header, 2);
  const q0 = o0 + (<usize>(X + 1) << 2), q1 = o1 + (<usize>(Y + 1) << 2), q2 = o2 + (<usize>(Z + 1) << 2);
  const n0s = q0 + (<usize>field(header, ENTRIES) << 2);
  const n1s = q1 + (<usize>field(header, ENTRIES + 1) << 2);
  const n2s = q2 + (<usize>field(header, ENTRIES + 2) << 2);
  // biasStart per axis of the window tables that follow the inverse ones.
  const pb0s = windowAxis(header, 0, true) + (<usize>(2 * X) << 2);
  const pb1s = windowAxis(header, 1, true) + (<usize>(2 * Y) << 2);
  const pb2s = windowAxis(header, 2, true) + (<usize>(2 * Z) << 2);
  const keys = field(header, BATCH) * X * Y * Z;
  for (let key = 0; key < keys; key++) {
    const x2 = key % Z, x1 = (key / Z) % Y, x0 = (key / (Y * Z)) % X, b = key / (X * Y * Z);
    for (let hk = 0; hk < kvHeads; hk++) {
      const kvRow = <usize>(key * kvHeads + hk) * rowBytes;
      memory.fill(scratch, 0, rowBytes);
      for (let h = hk * group; h < (hk + 1) * group; h++) {
        for (let r0 = entry(o0, x0); r0 < entry(o0, x0 + 1); r0++) {
          const i0 = entry(q0, r0), n0 = entry(n0s, r0);
          for (let r1 = entry(o1, x1); r1 < entry(o1, x1 + 1); r1++) {
            const i1 = entry(q1, r1), n1 = entry(n1s, r1);
            const biasRow = ((h * bP + entry(pb0s, i0) + n0) * bR + entry(pb1s, i1) + n1) * bC;
            for (let r2 = entry(o2, x2); r2 < entry(o2, x2 + 1); r2++) {
              const i2 = entry(q2, r2), n2 = entry(n2s, r2);
              const row = (((b * X + i0) * Y + i1) * Z + i2) * heads + h;
              const qRow = q + <usize>row * rowBytes;
              let logit = scale * dotRows(qRow, k + kvRow, rowBytes);
              if (rpb != 0) logit += load<f32>(rpb + (<usize>(biasRow + entry(pb2s, i2) + n2) << 2));
              const prob = expNonPositive(logit - load<f32>(lse + (<usize>row << 2)));
              const dOutRow = dOut + <usize>row * rowBytes;
              let weight = prob;
              let source = dOutRow;
              if (!value) {
                weight = scale * prob * (dotRows(dOutRow, v + kvRow, rowBytes) - load<f32>(delta + (<usize>row << 2)));
                source = qRow;
              }
              const splat = f32x4.splat(weight);
              for (let c: usize = 0; c < rowBytes; c += 16) {
                v128.store(scratch + c, f32x4.add(v128.load(scratch + c), f32x4.mul(splat, v128.load(source + c))));
              }
            }
          }
        }
      }
      memory.copy(out + kvRow, scratch, rowBytes);
    }
  }
}
