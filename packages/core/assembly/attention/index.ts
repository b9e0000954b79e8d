// SPDX-License-Identifier: MIT
// Fused full self-attention, softmax(q k^T * scale + bias) v per head, with 128-bit SIMD on the tfjs wasm
// backend's heap. It reads the packed qkv projection `[B, N, 3C]` (columns [q | k | v], each `heads` blocks of
// `headDim`) and writes `[B, N, C]`, so no head split or merge is copied. Queries go in tiles of four: their
// logit rows (4 x N floats of scratch, never `[heads, N, N]`) get an exact two-pass softmax, then one pass over
// the value rows serves all four. Indices past the end are clamped to the last query/key: a clamped query
// recomputes and rewrites the last row with the same values, a clamped key's logit is masked.
import { exp4 } from './exp4';

/** The four dot products `acc0..acc3` (one per lane of each) summed across lanes into one vector. */
function sum4(acc0: v128, acc1: v128, acc2: v128, acc3: v128): v128 {
  const s01 = f32x4.add(f32x4.shuffle(acc0, acc1, 0, 4, 1, 5), f32x4.shuffle(acc0, acc1, 2, 6, 3, 7));
  const s23 = f32x4.add(f32x4.shuffle(acc2, acc3, 0, 4, 1, 5), f32x4.shuffle(acc2, acc3, 2, 6, 3, 7));
  return f32x4.add(f32x4.shuffle(s01, s23, 0, 1, 4, 5), f32x4.shuffle(s01, s23, 2, 3, 6, 7));
}

/** Logits of queries `qa`, `qb` (row pointers) against all keys into two scratch rows of `padded` floats. */
function logitPair(qa: usize, qb: usize, keys: usize, tokens: i32, padded: i32, stride: usize, rowBytes: usize, scale: v128, outA: usize, outB: usize): void {
  for (let j = 0; j < padded; j += 4) {
    const k0 = keys + <usize>min(j, tokens - 1) * stride;
    const k1 = keys + <usize>min(j + 1, tokens - 1) * stride;
    const k2 = keys + <usize>min(j + 2, tokens - 1) * stride;
    const k3 = keys + <usize>min(j + 3, tokens - 1) * stride;
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    for (let c: usize = 0; c < rowBytes; c += 16) {
      const xa = v128.load(qa + c), xb = v128.load(qb + c);
      let k = v128.load(k0 + c);
      a0 = f32x4.add(a0, f32x4.mul(xa, k));
      b0 = f32x4.add(b0, f32x4.mul(xb, k));
      k = v128.load(k1 + c);
      a1 = f32x4.add(a1, f32x4.mul(xa, k));
      b1 = f32x4.add(b1, f32x4.mul(xb, k));
      k = v128.load(k2 + c);
      a2 = f32x4.add(a2, f32x4.mul(xa, k));
      b2 = f32x4.add(b2, f32x4.mul(xb, k));
      k = v128.load(k3 + c);
      a3 = f32x4.add(a3, f32x4.mul(xa, k));
      b3 = f32x4.add(b3, f32x4.mul(xb, k));
    }
    v128.store(outA + (<usize>j << 2), f32x4.mul(sum4(a0, a1, a2, a3), scale));
    v128.store(outB + (<usize>j << 2), f32x4.mul(sum4(b0, b1, b2, b3), scale));
  }
}

/** Adds the bias row (if any), masks the padding, and turns the row into unnormalised softmax weights. */
function softmaxRow(row: usize, biasRow: usize, tokens: i32, padded: i32): f32 {
  if (biasRow != 0) {
    for (let j = 0; j < tokens; j++) {
      const at = row + (<usize>j << 2);
      store<f32>(at, load<f32>(at) + load<f32>(biasRow + (<usize>j << 2)));
    }
  }
  for (let j = tokens; j < padded; j++) store<f32>(row + (<usize>j << 2), -Infinity);
  let top = f32x4.splat(-Infinity);
  for (let j = 0; j < padded; j += 4) top = f32x4.pmax(top, v128.load(row + (<usize>j << 2)));
  const m = max(max(f32x4.extract_lane(top, 0), f32x4.extract_lane(top, 1)), max(f32x4.extract_lane(top, 2), f32x4.extract_lane(top, 3)));
  const shift = f32x4.splat(m);
  let total = f32x4.splat(0);
  for (let j = 0; j < padded; j += 4) {
    const at = row + (<usize>j << 2);
    const e = exp4(f32x4.sub(v128.load(at), shift));
    v128.store(at, e);
    total = f32x4.add(total, e);
  }
  // Masked entries came out as e^-87, not 0: take them out of the sum and the row.
  for (let j = tokens; j < padded; j++) {
    const at = row + (<usize>j << 2);
    total = f32x4.sub(total, f32x4.replace_lane(f32x4.splat(0), 0, load<f32>(at)));
    store<f32>(at, 0);
  }
  return <f32>1 / (f32x4.extract_lane(total, 0) + f32x4.extract_lane(total, 1) + f32x4.extract_lane(total, 2) + f32x4.extract_lane(total, 3));
}

/**
 * `qkv` `[batch, tokens, 3 * heads * headDim]`, `bias` `[heads, tokens, tokens]` or 0, `out` `[batch, tokens,
 * heads * headDim]`, `scratch` 16 * ceil4(tokens) bytes. Pointers are byte offsets; headDim % 4 == 0.
 */
export function selfAttention(qkv: usize, bias: usize, out: usize, scratch: usize, batch: i32, tokens: i32, heads: i32, headDim: i32, scale: f32): void {
  const padded = (tokens + 3) & ~3;
  const rowBytes = <usize>headDim << 2;
  const outStride = <usize>(heads * headDim) << 2;
  const stride = 3 * outStride;
  const r0 = scratch, r1 = r0 + (<usize>padded << 2), r2 = r1 + (<usize>padded << 2), r3 = r2 + (<usize>padded << 2);
  const scaled = f32x4.splat(scale);
  const last = tokens - 1;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const queries = qkv + <usize>b * <usize>tokens * stride + <usize>h * rowBytes;
      const keys = queries + outStride;
      const values = keys + outStride;
      const outBase = out + <usize>b * <usize>tokens * outStride + <usize>h * rowBytes;
      const biasBase = bias == 0 ? 0 : bias + <usize>h * <usize>tokens * <usize>tokens * 4;
      for (let q = 0; q < tokens; q += 4) {
        const q1 = min(q + 1, last), q2 = min(q + 2, last), q3 = min(q + 3, last);
        logitPair(queries + <usize>q * stride, queries + <usize>q1 * stride, keys, tokens, padded, stride, rowBytes, scaled, r0, r1);
        logitPair(queries + <usize>q2 * stride, queries + <usize>q3 * stride, keys, tokens, padded, stride, rowBytes, scaled, r2, r3);
        const biasRow = <usize>tokens * 4;
        const i0 = f32x4.splat(softmaxRow(r0, biasBase == 0 ? 0 : biasBase + <usize>q * biasRow, tokens, padded));
        const i1 = f32x4.splat(softmaxRow(r1, biasBase == 0 ? 0 : biasBase + <usize>q1 * biasRow, tokens, padded));
        const i2 = f32x4.splat(softmaxRow(r2, biasBase == 0 ? 0 : biasBase + <usize>q2 * biasRow, tokens, padded));
        const i3 = f32x4.splat(softmaxRow(r3, biasBase == 0 ? 0 : biasBase + <usize>q3 * biasRow, tokens, padded));
        // Two value vectors per step; an odd last vector is clamped onto its neighbour (same value, same place).
        for (let c: usize = 0; c < rowBytes; c += 32) {
          const c1 = min(c + 16, rowBytes - 16);
          let a0 = f32x4.splat(0), a1 = a0, b0 = a0, b1 = a0, d0 = a0, d1 = a0, e0 = a0, e1 = a0;
          for (let j = 0; j < tokens; j++) {
            const vRow = values + <usize>j * stride;
            const v0 = v128.load(vRow + c), v1 = v128.load(vRow + c1);
            const at = <usize>j << 2;
            let p = v128.load32_splat(r0 + at);
            a0 = f32x4.add(a0, f32x4.mul(p, v0));
            a1 = f32x4.add(a1, f32x4.mul(p, v1));
            p = v128.load32_splat(r1 + at);
            b0 = f32x4.add(b0, f32x4.mul(p, v0));
            b1 = f32x4.add(b1, f32x4.mul(p, v1));
            p = v128.load32_splat(r2 + at);
            d0 = f32x4.add(d0, f32x4.mul(p, v0));
            d1 = f32x4.add(d1, f32x4.mul(p, v1));
            p = v128.load32_splat(r3 + at);
            e0 = f32x4.add(e0, f32x4.mul(p, v0));
            e1 = f32x4.add(e1, f32x4.mul(p, v1));
          }
          const o3 = outBase + <usize>q3 * outStride, o2 = outBase + <usize>q2 * outStride;
          const o1 = outBase + <usize>q1 * outStride, o0 = outBase + <usize>q * outStride;
          v128.store(o3 + c1, f32x4.mul(e1, i3));
          v128.store(o3 + c, f32x4.mul(e0, i3));
          v128.store(o2 + c1, f32x4.mul(d1, i2));
          v128.store(o2 + c, f32x4.mul(d0, i2));
          v128.store(o1 + c1, f32x4.mul(b1, i1));
          v128.store(o1 + c, f32x4.mul(b0, i1));
          v128.store(o0 + c1, f32x4.mul(a1, i0));
          v128.store(o0 + c, f32x4.mul(a0, i0));
        }
      }
    }
  }
}
