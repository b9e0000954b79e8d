// SPDX-License-Identifier: MIT
// Fused full self-attention, softmax(q k^T * scale + bias) v per head, with 128-bit SIMD on the tfjs wasm
// backend's heap. It reads the packed qkv projection `[B, N, 3C]` (columns [q | k | v], each `heads` blocks of
// `headDim`) and writes `[B, N, C]`, so no head split or merge is copied. Both products run on one GEMM
// micro-kernel (4 rows x 8 columns, like XNNPACK's loadsplat kernels): per head, k^T and v are first packed into
// contiguous 8-wide panels; then per tile of four queries, q k^T fills four logit rows (never `[heads, N, N]`),
// an exact two-pass softmax leaves them unnormalised, and (weights x v) is scaled by each row's 1 / sum on store.
// Indices past the end are clamped to the last query/key: a clamped query recomputes and rewrites the last row
// with the same values, a clamped key's logit is masked to a weight of exactly 0.
import { expNonPositive4 } from '../exp';

/**
 * The 4 x 8 block sum over `steps` (a multiple of 4) of rows `a0..a3` (one f32 per step, broadcast) times the
 * panel `b` (8 f32 per step, contiguous); row i times lane i of `scale` is stored at `oi` (its second vector only
 * when `wide`).
 */
function gemm4x8(a0: usize, a1: usize, a2: usize, a3: usize, b: usize, steps: i32, o0: usize, o1: usize, o2: usize, o3: usize, scale: v128, wide: bool): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const end = b + (<usize>steps << 5);
  // Unrolled by four steps so the loads take constant offsets instead of address arithmetic.
  for (; b < end; b += 128) {
    let v0 = v128.load(b), v1 = v128.load(b, 16);
    let x = v128.load32_splat(a0);
    c00 = f32x4.add(c00, f32x4.mul(x, v0)); c01 = f32x4.add(c01, f32x4.mul(x, v1));
    x = v128.load32_splat(a1);
    c10 = f32x4.add(c10, f32x4.mul(x, v0)); c11 = f32x4.add(c11, f32x4.mul(x, v1));
    x = v128.load32_splat(a2);
    c20 = f32x4.add(c20, f32x4.mul(x, v0)); c21 = f32x4.add(c21, f32x4.mul(x, v1));
    x = v128.load32_splat(a3);
    c30 = f32x4.add(c30, f32x4.mul(x, v0)); c31 = f32x4.add(c31, f32x4.mul(x, v1));
    v0 = v128.load(b, 32); v1 = v128.load(b, 48);
    x = v128.load32_splat(a0, 4);
    c00 = f32x4.add(c00, f32x4.mul(x, v0)); c01 = f32x4.add(c01, f32x4.mul(x, v1));
    x = v128.load32_splat(a1, 4);
    c10 = f32x4.add(c10, f32x4.mul(x, v0)); c11 = f32x4.add(c11, f32x4.mul(x, v1));
    x = v128.load32_splat(a2, 4);
    c20 = f32x4.add(c20, f32x4.mul(x, v0)); c21 = f32x4.add(c21, f32x4.mul(x, v1));
    x = v128.load32_splat(a3, 4);
    c30 = f32x4.add(c30, f32x4.mul(x, v0)); c31 = f32x4.add(c31, f32x4.mul(x, v1));
    v0 = v128.load(b, 64); v1 = v128.load(b, 80);
    x = v128.load32_splat(a0, 8);
    c00 = f32x4.add(c00, f32x4.mul(x, v0)); c01 = f32x4.add(c01, f32x4.mul(x, v1));
    x = v128.load32_splat(a1, 8);
    c10 = f32x4.add(c10, f32x4.mul(x, v0)); c11 = f32x4.add(c11, f32x4.mul(x, v1));
    x = v128.load32_splat(a2, 8);
    c20 = f32x4.add(c20, f32x4.mul(x, v0)); c21 = f32x4.add(c21, f32x4.mul(x, v1));
    x = v128.load32_splat(a3, 8);
    c30 = f32x4.add(c30, f32x4.mul(x, v0)); c31 = f32x4.add(c31, f32x4.mul(x, v1));
    v0 = v128.load(b, 96); v1 = v128.load(b, 112);
    x = v128.load32_splat(a0, 12);
    c00 = f32x4.add(c00, f32x4.mul(x, v0)); c01 = f32x4.add(c01, f32x4.mul(x, v1));
    x = v128.load32_splat(a1, 12);
    c10 = f32x4.add(c10, f32x4.mul(x, v0)); c11 = f32x4.add(c11, f32x4.mul(x, v1));
    x = v128.load32_splat(a2, 12);
    c20 = f32x4.add(c20, f32x4.mul(x, v0)); c21 = f32x4.add(c21, f32x4.mul(x, v1));
    x = v128.load32_splat(a3, 12);
    c30 = f32x4.add(c30, f32x4.mul(x, v0)); c31 = f32x4.add(c31, f32x4.mul(x, v1));
    a0 += 16; a1 += 16; a2 += 16; a3 += 16;
  }
  let s = f32x4.splat(f32x4.extract_lane(scale, 0));
  v128.store(o0, f32x4.mul(c00, s));
  if (wide) v128.store(o0, f32x4.mul(c01, s), 16);
  s = f32x4.splat(f32x4.extract_lane(scale, 1));
  v128.store(o1, f32x4.mul(c10, s));
  if (wide) v128.store(o1, f32x4.mul(c11, s), 16);
  s = f32x4.splat(f32x4.extract_lane(scale, 2));
  v128.store(o2, f32x4.mul(c20, s));
  if (wide) v128.store(o2, f32x4.mul(c21, s), 16);
  s = f32x4.splat(f32x4.extract_lane(scale, 3));
  v128.store(o3, f32x4.mul(c30, s));
  if (wide) v128.store(o3, f32x4.mul(c31, s), 16);
}

/** The `count` (< 4, maybe <= 0) floats at `at` in the low lanes, zeros above: no read past a tensor's end. */
function loadPartial(at: usize, count: i32): v128 {
  let v = f32x4.splat(0);
  if (count > 0) v = f32x4.replace_lane(v, 0, load<f32>(at));
  if (count > 1) v = f32x4.replace_lane(v, 1, load<f32>(at, 4));
  if (count > 2) v = f32x4.replace_lane(v, 2, load<f32>(at, 8));
  return v;
}

/** Lanes whose key index (j + lane) is a real token: all ones, else zero. */
function realKeys(j: i32, tokens: i32): v128 {
  return i32x4.lt_s(i32x4.add(i32x4.splat(j), i32x4(0, 1, 2, 3)), i32x4.splat(tokens));
}

/**
 * Adds the bias row (if any) and replaces the row's logits by e^(logit - max), exactly 0 past the last token;
 * returns 1 / (their sum). Whole quads of real keys take loops without masks; only the last quads are masked.
 */
function softmaxRow(row: usize, biasRow: usize, tokens: i32, padded: i32): f32 {
  const whole = tokens & ~3;
  let top = f32x4.splat(-Infinity);
  if (biasRow != 0) {
    for (let j = 0; j < whole; j += 4) {
      const at = row + (<usize>j << 2);
      const x = f32x4.add(v128.load(at), v128.load(biasRow + (<usize>j << 2)));
      v128.store(at, x);
      top = f32x4.pmax(top, x);
    }
  } else {
    for (let j = 0; j < whole; j += 4) top = f32x4.pmax(top, v128.load(row + (<usize>j << 2)));
  }
  for (let j = whole; j < padded; j += 4) {
    const at = row + (<usize>j << 2);
    let x = v128.load(at);
    if (biasRow != 0) x = f32x4.add(x, loadPartial(biasRow + (<usize>j << 2), tokens - j));
    x = v128.bitselect(x, f32x4.splat(-Infinity), realKeys(j, tokens));
    v128.store(at, x);
    top = f32x4.pmax(top, x);
  }
  const shift = f32x4.splat(max(max(f32x4.extract_lane(top, 0), f32x4.extract_lane(top, 1)), max(f32x4.extract_lane(top, 2), f32x4.extract_lane(top, 3))));
  let total = f32x4.splat(0);
  for (let j = 0; j < padded; j += 4) {
    const at = row + (<usize>j << 2);
    let e = expNonPositive4(f32x4.sub(v128.load(at), shift));
    // A masked logit comes out as e^-87, not 0: the mask zeroes it for the sum and for a v.
    if (j >= whole) e = v128.and(e, realKeys(j, tokens));
    v128.store(at, e);
    total = f32x4.add(total, e);
  }
  return <f32>1 / (f32x4.extract_lane(total, 0) + f32x4.extract_lane(total, 1) + f32x4.extract_lane(total, 2) + f32x4.extract_lane(total, 3));
}

/** k^T of one head as `ceil8(tokens) / 8` panels of `[headDim][8]` (rows past the end clamped to the last). */
function packKeys(keys: usize, stride: usize, tokens: i32, headDim: i32, panels: usize): void {
  const padded = (tokens + 7) & ~7;
  for (let j = 0; j < padded; j++) {
    const row = keys + <usize>min(j, tokens - 1) * stride;
    let to = panels + (<usize>(j >> 3) * <usize>headDim << 5) + (<usize>(j & 7) << 2);
    for (let c = 0; c < headDim; c++) {
      store<f32>(to, load<f32>(row + (<usize>c << 2)));
      to += 32;
    }
  }
}

/**
 * v of one head as `ceil8(headDim) / 8` panels of `[ceil4(tokens)][8]` (rows past the end clamped to the last;
 * a half panel's upper lanes are never stored out).
 */
function packValues(values: usize, stride: usize, tokens: i32, headDim: i32, panels: usize): void {
  const rows = (tokens + 3) & ~3;
  const panelBytes = <usize>rows << 5;
  for (let j = 0; j < rows; j++) {
    const row = values + <usize>min(j, tokens - 1) * stride;
    let to = panels + (<usize>j << 5);
    for (let c = 0; c < headDim; c += 8) {
      const from = row + (<usize>c << 2);
      v128.store(to, v128.load(from));
      if (c + 8 <= headDim) v128.store(to, v128.load(from, 16), 16);
      to += panelBytes;
    }
  }
}

/**
 * `qkv` `[batch, tokens, 3 * heads * headDim]`, `bias` `[heads, tokens, tokens]` or 0, `out` `[batch, tokens,
 * heads * headDim]`, `scratch` selfAttentionScratchBytes(tokens, headDim) bytes (kernels/wasm/self_attention.ts:
 * the packed k^T and v panels, then four logit rows). Pointers are byte offsets; headDim % 4 == 0.
 */
export function selfAttention(qkv: usize, bias: usize, out: usize, scratch: usize, batch: i32, tokens: i32, heads: i32, headDim: i32, scale: f32): void {
  const keyPadded = (tokens + 7) & ~7;
  const valueRows = (tokens + 3) & ~3;
  const rowBytes = <usize>headDim << 2;
  const outStride = <usize>(heads * headDim) << 2;
  const stride = 3 * outStride;
  const wStride = <usize>keyPadded << 2;
  const keyPanels = scratch;
  const valuePanels = keyPanels + <usize>keyPadded * rowBytes;
  const logits = valuePanels + (<usize>((headDim + 7) >> 3) * <usize>valueRows << 5);
  const scaled = f32x4.splat(scale);
  const last = tokens - 1;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const queries = qkv + <usize>b * <usize>tokens * stride + <usize>h * rowBytes;
      packKeys(queries + outStride, stride, tokens, headDim, keyPanels);
      packValues(queries + 2 * outStride, stride, tokens, headDim, valuePanels);
      const outBase = out + <usize>b * <usize>tokens * outStride + <usize>h * rowBytes;
      for (let q = 0; q < tokens; q += 4) {
        const q0 = <usize>q, q1 = <usize>min(q + 1, last), q2 = <usize>min(q + 2, last), q3 = <usize>min(q + 3, last);
        for (let j = 0; j < keyPadded; j += 8) {
          const row = logits + (<usize>j << 2);
          gemm4x8(queries + q0 * stride, queries + q1 * stride, queries + q2 * stride, queries + q3 * stride,
            keyPanels + <usize>j * rowBytes, headDim, row, row + wStride, row + 2 * wStride, row + 3 * wStride, scaled, true);
        }
        // Bias rows of the tile's queries (0 without a bias): `[heads, N, N]`, row (h, query).
        const biasRows = bias == 0 ? 0 : bias + (<usize>h * <usize>tokens * <usize>tokens << 2);
        const biasStride = bias == 0 ? 0 : <usize>tokens << 2;
        let inverse = f32x4.splat(softmaxRow(logits, biasRows + q0 * biasStride, tokens, keyPadded));
        inverse = f32x4.replace_lane(inverse, 1, softmaxRow(logits + wStride, biasRows + q1 * biasStride, tokens, keyPadded));
        inverse = f32x4.replace_lane(inverse, 2, softmaxRow(logits + 2 * wStride, biasRows + q2 * biasStride, tokens, keyPadded));
        inverse = f32x4.replace_lane(inverse, 3, softmaxRow(logits + 3 * wStride, biasRows + q3 * biasStride, tokens, keyPadded));
        for (let c = 0; c < headDim; c += 8) {
          const at = <usize>c << 2;
          gemm4x8(logits, logits + wStride, logits + 2 * wStride, logits + 3 * wStride, valuePanels + <usize>c * <usize>valueRows * 4,
            valueRows, outBase + q0 * outStride + at, outBase + q1 * outStride + at, outBase + q2 * outStride + at,
            outBase + q3 * outStride + at, inverse, c + 8 <= headDim);
        }
      }
    }
  }
}
