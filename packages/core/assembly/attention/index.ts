// SPDX-License-Identifier: MIT
// Fused full self-attention, softmax(q k^T * scale + bias) v per head, with 128-bit SIMD on the tfjs wasm
// backend's heap. It reads the packed qkv projection `[B, N, 3C]` (columns [q | k | v], each `heads` blocks of
// `headDim`) and writes `[B, N, C]`, so no head split or merge is copied. Queries go in tiles of eight: their
// logit rows (8 x N floats of scratch, never `[heads, N, N]`) get an exact two-pass softmax, then the value rows,
// in L1-sized blocks, serve four queries per pass. Indices past the end are clamped to the last query/key: a
// clamped query recomputes and rewrites the last row with the same values, a clamped key's logit is masked.
import { expNonPositive4 } from '../exp';

/** Queries per tile: their logit rows are the only scratch (TILE x ceil4(N) floats). */
const TILE = 8;

/** The four dot products `acc0..acc3` (one per lane of each) summed across lanes into one vector. */
function sum4(acc0: v128, acc1: v128, acc2: v128, acc3: v128): v128 {
  const s01 = f32x4.add(f32x4.shuffle(acc0, acc1, 0, 4, 1, 5), f32x4.shuffle(acc0, acc1, 2, 6, 3, 7));
  const s23 = f32x4.add(f32x4.shuffle(acc2, acc3, 0, 4, 1, 5), f32x4.shuffle(acc2, acc3, 2, 6, 3, 7));
  return f32x4.add(f32x4.shuffle(s01, s23, 0, 1, 4, 5), f32x4.shuffle(s01, s23, 2, 3, 6, 7));
}

/** Logits of queries `qa`, `qb` (row pointers) against keys `k0..k3`, scaled, stored at `outA`, `outB`. */
function logitBlock(qa: usize, qb: usize, k0: usize, k1: usize, k2: usize, k3: usize, rowBytes: usize, scale: v128, outA: usize, outB: usize): void {
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
  v128.store(outA, f32x4.mul(sum4(a0, a1, a2, a3), scale));
  v128.store(outB, f32x4.mul(sum4(b0, b1, b2, b3), scale));
}

/** Adds the bias row (if any), masks the padding, and turns the row into its softmax weights. */
function softmaxRow(row: usize, biasRow: usize, tokens: i32, padded: i32): void {
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
    const e = expNonPositive4(f32x4.sub(v128.load(at), shift));
    v128.store(at, e);
    total = f32x4.add(total, e);
  }
  // Masked entries came out as e^-87, not 0: take them out of the sum and the row.
  for (let j = tokens; j < padded; j++) {
    const at = row + (<usize>j << 2);
    total = f32x4.sub(total, f32x4.replace_lane(f32x4.splat(0), 0, load<f32>(at)));
    store<f32>(at, 0);
  }
  const inverse = f32x4.splat(<f32>1 / (f32x4.extract_lane(total, 0) + f32x4.extract_lane(total, 1) + f32x4.extract_lane(total, 2) + f32x4.extract_lane(total, 3)));
  for (let j = 0; j < padded; j += 4) {
    const at = row + (<usize>j << 2);
    v128.store(at, f32x4.mul(v128.load(at), inverse));
  }
}

/**
 * out rows `o0..o3` (+ `c`, `c1`) += weights rows `w0..w3` times value rows `from..to` (two vectors per row:
 * an odd last vector is clamped onto its neighbour, same value to the same place), starting from 0 when `fresh`.
 */
function weightedRows(w0: usize, o0: usize, o1: usize, o2: usize, o3: usize, values: usize, stride: usize, from: i32, to: i32, wStride: usize, c: usize, c1: usize, fresh: bool): void {
  const w1 = w0 + wStride, w2 = w1 + wStride, w3 = w2 + wStride;
  let a0 = f32x4.splat(0), a1 = a0, b0 = a0, b1 = a0, d0 = a0, d1 = a0, e0 = a0, e1 = a0;
  if (!fresh) {
    a0 = v128.load(o0 + c); a1 = v128.load(o0 + c1);
    b0 = v128.load(o1 + c); b1 = v128.load(o1 + c1);
    d0 = v128.load(o2 + c); d1 = v128.load(o2 + c1);
    e0 = v128.load(o3 + c); e1 = v128.load(o3 + c1);
  }
  for (let j = from; j < to; j++) {
    const vRow = values + <usize>j * stride;
    const v0 = v128.load(vRow + c), v1 = v128.load(vRow + c1);
    const at = <usize>j << 2;
    let p = v128.load32_splat(w0 + at);
    a0 = f32x4.add(a0, f32x4.mul(p, v0));
    a1 = f32x4.add(a1, f32x4.mul(p, v1));
    p = v128.load32_splat(w1 + at);
    b0 = f32x4.add(b0, f32x4.mul(p, v0));
    b1 = f32x4.add(b1, f32x4.mul(p, v1));
    p = v128.load32_splat(w2 + at);
    d0 = f32x4.add(d0, f32x4.mul(p, v0));
    d1 = f32x4.add(d1, f32x4.mul(p, v1));
    p = v128.load32_splat(w3 + at);
    e0 = f32x4.add(e0, f32x4.mul(p, v0));
    e1 = f32x4.add(e1, f32x4.mul(p, v1));
  }
  v128.store(o3 + c1, e1);
  v128.store(o3 + c, e0);
  v128.store(o2 + c1, d1);
  v128.store(o2 + c, d0);
  v128.store(o1 + c1, b1);
  v128.store(o1 + c, b0);
  v128.store(o0 + c1, a1);
  v128.store(o0 + c, a0);
}

/**
 * `qkv` `[batch, tokens, 3 * heads * headDim]`, `bias` `[heads, tokens, tokens]` or 0, `out` `[batch, tokens,
 * heads * headDim]`, `scratch` 32 * ceil4(tokens) bytes. Pointers are byte offsets; headDim % 4 == 0.
 */
export function selfAttention(qkv: usize, bias: usize, out: usize, scratch: usize, batch: i32, tokens: i32, heads: i32, headDim: i32, scale: f32): void {
  const padded = (tokens + 3) & ~3;
  const rowBytes = <usize>headDim << 2;
  const outStride = <usize>(heads * headDim) << 2;
  const stride = 3 * outStride;
  const wStride = <usize>padded << 2;
  const scaled = f32x4.splat(scale);
  const last = tokens - 1;
  // Value rows per block: about 16 KB of them stay in L1 while every channel pair of the tile passes over them.
  const block = max(4, <i32>(16384 / rowBytes));
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const queries = qkv + <usize>b * <usize>tokens * stride + <usize>h * rowBytes;
      const keys = queries + outStride;
      const values = keys + outStride;
      const outBase = out + <usize>b * <usize>tokens * outStride + <usize>h * rowBytes;
      for (let q = 0; q < tokens; q += TILE) {
        // Each group of four key rows serves all the tile's queries while it is in L1.
        for (let j = 0; j < padded; j += 4) {
          const k0 = keys + <usize>min(j, last) * stride, k1 = keys + <usize>min(j + 1, last) * stride;
          const k2 = keys + <usize>min(j + 2, last) * stride, k3 = keys + <usize>min(j + 3, last) * stride;
          for (let i = 0; i < TILE; i += 2) {
            const row = scratch + <usize>i * wStride + (<usize>j << 2);
            const qa = queries + <usize>min(q + i, last) * stride, qb = queries + <usize>min(q + i + 1, last) * stride;
            logitBlock(qa, qb, k0, k1, k2, k3, rowBytes, scaled, row, row + wStride);
          }
        }
        for (let i = 0; i < TILE; i++) {
          const biasRow = bias == 0 ? 0 : bias + ((<usize>h * <usize>tokens + <usize>min(q + i, last)) * <usize>tokens << 2);
          softmaxRow(scratch + <usize>i * wStride, biasRow, tokens, padded);
        }
        for (let i = 0; i < TILE; i += 4) {
          const o0 = outBase + <usize>min(q + i, last) * outStride, o1 = outBase + <usize>min(q + i + 1, last) * outStride;
          const o2 = outBase + <usize>min(q + i + 2, last) * outStride, o3 = outBase + <usize>min(q + i + 3, last) * outStride;
          for (let from = 0; from < tokens; from += block) {
            const to = min(from + block, tokens);
            for (let c: usize = 0; c < rowBytes; c += 32) {
              weightedRows(scratch + <usize>i * wStride, o0, o1, o2, o3, values, stride, from, to, wStride, c, min(c + 16, rowBytes - 16), from == 0);
            }
          }
        }
      }
    }
  }
}
