// SPDX-License-Identifier: MIT
// Query-side passes of the fused backward over 3-D problems with GQA: the log-sum-exp of each query's window,
// and dq (or drpb) from P = exp(logit - lse), dS = P (dOut . v - delta). Header and window tables as
// ../problem.ts; rows are headDim f32, headDim a multiple of 4.
import { expNonPositive } from '../exp';
import { BATCH, BIAS, DILATION, HEADS, HEAD_DIM, KV_HEADS, SIZE, dotRows, entry, field, windowAxis } from '../problem';

/**
 * mode 0: lse (out `[B, *S, heads]`); 1: dq (out `[B, *S, heads, D]`); 2: drpb accumulated into out (zeroed by the
 * caller). `lse`, `delta`, `v`, `dOut` are unused in mode 0.
 */
function queryPass(
  mode: i32, q: usize, k: usize, v: usize, rpb: usize, lse: usize, delta: usize, dOut: usize, out: usize, header: usize, scale: f32,
): void {
  const X = field(header, SIZE), Y = field(header, SIZE + 1), Z = field(header, SIZE + 2);
  const d0 = field(header, DILATION), d1 = field(header, DILATION + 1), d2 = field(header, DILATION + 2);
  const bP = field(header, BIAS), bR = field(header, BIAS + 1), bC = field(header, BIAS + 2);
  const heads = field(header, HEADS), kvHeads = field(header, KV_HEADS), group = heads / kvHeads;
  const rowBytes = <usize>field(header, HEAD_DIM) << 2;
  const t0 = windowAxis(header, 0), t1 = windowAxis(header, 1), t2 = windowAxis(header, 2);
  const tokens = field(header, BATCH) * X * Y * Z;
  for (let token = 0; token < tokens; token++) {
    const x2 = token % Z, x1 = (token / Z) % Y, x0 = (token / (Y * Z)) % X, b = token / (X * Y * Z);
    const s0 = entry(t0, x0), c0 = entry(t0, X + x0), pb0 = entry(t0, 2 * X + x0);
    const s1 = entry(t1, x1), c1 = entry(t1, Y + x1), pb1 = entry(t1, 2 * Y + x1);
    const s2 = entry(t2, x2), c2 = entry(t2, Z + x2), pb2 = entry(t2, 2 * Z + x2);
    for (let h = 0; h < heads; h++) {
      const row = token * heads + h;
      const qRow = q + <usize>row * rowBytes;
      const hk = h / group;
      const rowLse: f32 = mode == 0 ? 0 : load<f32>(lse + (<usize>row << 2));
      const rowDelta: f32 = mode == 0 ? 0 : load<f32>(delta + (<usize>row << 2));
      let most: f32 = -Infinity;
      let sum: f32 = 0;
      for (let n0 = 0; n0 < c0; n0++) {
        const plane = (b * X + s0 + n0 * d0) * Y;
        for (let n1 = 0; n1 < c1; n1++) {
          const keyRow = (plane + s1 + n1 * d1) * Z;
          const biasRow = ((h * bP + pb0 + n0) * bR + pb1 + n1) * bC + pb2;
          for (let n2 = 0; n2 < c2; n2++) {
            const offset = <usize>((keyRow + s2 + n2 * d2) * kvHeads + hk) * rowBytes;
            const biasAt = rpb + (<usize>(biasRow + n2) << 2);
            let logit = scale * dotRows(qRow, k + offset, rowBytes);
            if (rpb != 0) logit += load<f32>(biasAt);
            if (mode == 0) {
              // Online log-sum-exp: rescale the running sum when the maximum grows.
              if (logit > most) {
                sum = sum * expNonPositive(most - logit);
                most = logit;
              }
              sum += expNonPositive(logit - most);
              continue;
            }
            const prob = expNonPositive(logit - rowLse);
            const dS = prob * (dotRows(dOut + <usize>row * rowBytes, v + offset, rowBytes) - rowDelta);
            if (mode == 2) {
              store<f32>(out + (biasAt - rpb), load<f32>(out + (biasAt - rpb)) + dS);
              continue;
            }
            const splat = f32x4.splat(scale * dS);
            const outRow = out + <usize>row * rowBytes;
            for (let c: usize = 0; c < rowBytes; c += 16) {
              v128.store(outRow + c, f32x4.add(v128.load(outRow + c), f32x4.mul(splat, v128.load(k + offset + c))));
            }
          }
        }
      }
      if (mode == 0) store<f32>(out + (<usize>row << 2), most + <f32>Math.log(sum));
    }
  }
}

export function logSumExp(q: usize, k: usize, rpb: usize, out: usize, header: usize, scale: f32): void {
  queryPass(0, q, k, 0, rpb, 0, 0, 0, out, header, scale);
}

/** dq (`bias` false; out zeroed by the caller) or drpb (`bias` true; out zeroed by the caller). */
export function backpropQuery(
  q: usize, k: usize, v: usize, rpb: usize, lse: usize, delta: usize, dOut: usize, out: usize, header: usize, scale: f32, bias: bool,
): void {
  queryPass(bias ? 2 : 1, q, k, v, rpb, lse, delta, dOut, out, header, scale);
}
