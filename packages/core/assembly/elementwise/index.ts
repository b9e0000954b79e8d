// SPDX-License-Identifier: MIT
// Element-wise kernels that tfjs-wasm runs as several passes over an activation: exact (erf) GELU in one pass,
// LayerNorm over the last axis in two. 128-bit SIMD on the tfjs wasm backend's own memory (imported, never owned);
// pointers are byte offsets into it.

// Where erf(z) rounds to ±1 in float32; z is clamped to it, so the polynomials never see a larger argument.
const ERF_LIMIT: f32 = 3.8325069;

/** A class only so that asc's @inline (a method decorator TypeScript parses) inlines it: V8 does not, and the call
 *  cost as much as this short body (1.8 ns a value, not 0.94). */
class Gelu {
  /**
   * x Φ(x) = x (1/2 + h), h = erf(x/√2) / 2, on four lanes: erf(z) as the rational z P(z²) / Q(z²) on the clamped z,
   * one division and no exp. Float32 rounding leaves ≈6 ulp of erf, so the result is within 2.2e-7 max(1, |x|) of
   * float64 (1.1e-6 absolute near |x| = 5): in the negative tail as inaccurate as the 1 + erf of tfjs's and
   * PyTorch's own GELU, where an erfc-based form (and its exp) would keep relative precision.
   */
  @inline static of4(x: v128): v128 {
    // The 9/12-degree rational's coefficients are those of Eigen's generic_fast_erf_float (P halved to give h).
    const scaled = f32x4.mul(x, f32x4.splat(0.707106781));
    const z = f32x4.pmax(f32x4.pmin(scaled, f32x4.splat(ERF_LIMIT)), f32x4.splat(-ERF_LIMIT));
    const w = f32x4.mul(z, z);
    let p = f32x4.splat(0.000114525329307);
    p = f32x4.add(f32x4.mul(p, w), f32x4.splat(0.00170414550536));
    p = f32x4.add(f32x4.mul(p, w), f32x4.splat(0.0254778475312));
    p = f32x4.add(f32x4.mul(p, w), f32x4.splat(0.0926041611999));
    p = f32x4.add(f32x4.mul(p, w), f32x4.splat(0.56418957176));
    let q = f32x4.splat(-1.17916029544e-07);
    q = f32x4.add(f32x4.mul(q, w), f32x4.splat(2.35479664713e-05));
    q = f32x4.add(f32x4.mul(q, w), f32x4.splat(0.00101796252789));
    q = f32x4.add(f32x4.mul(q, w), f32x4.splat(0.0140704701712));
    q = f32x4.add(f32x4.mul(q, w), f32x4.splat(0.110985051783));
    q = f32x4.add(f32x4.mul(q, w), f32x4.splat(0.497469251101));
    q = f32x4.add(f32x4.mul(q, w), f32x4.splat(1));
    // At the clamp h is ±(1/2 + 1 ulp); clamping it too makes the tails exactly x and -0. pmin/pmax (one instruction
    // each) with the value first pass a NaN through.
    const h = f32x4.pmax(f32x4.pmin(f32x4.div(f32x4.mul(z, p), q), f32x4.splat(0.5)), f32x4.splat(-0.5));
    return f32x4.mul(x, f32x4.add(h, f32x4.splat(0.5)));
  }
}

/** `out[i] = gelu(x[i])` for `count` floats. */
export function gelu(x: usize, out: usize, count: i32): void {
  const bytes = <usize>count << 2;
  const whole = bytes & ~15;
  for (let at: usize = 0; at < whole; at += 16) v128.store(out + at, Gelu.of4(v128.load(x + at)));
  for (let at = whole; at < bytes; at += 4) store<f32>(out + at, f32x4.extract_lane(Gelu.of4(v128.load32_zero(x + at)), 0));
}

/** The sum of `count` floats at `row`: four lanes, then the tail. */
function rowSum(row: usize, bytes: usize, whole: usize): f32 {
  let acc = f32x4.splat(0);
  for (let at: usize = 0; at < whole; at += 16) acc = f32x4.add(acc, v128.load(row + at));
  let sum = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (let at = whole; at < bytes; at += 4) sum += load<f32>(row + at);
  return sum;
}

/**
 * `(x - μ) / √(σ² + eps) * gamma + beta` over each of `rows` rows of `channels` floats, with the biased variance
 * taken around the mean (two passes, as tfjs's moments) so it does not cancel.
 */
export function layerNorm(x: usize, gamma: usize, beta: usize, out: usize, rows: i32, channels: i32, epsilon: f32): void {
  const bytes = <usize>channels << 2;
  const whole = bytes & ~15;
  const n = <f32>channels;
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * bytes;
    const dst = out + <usize>r * bytes;
    const mean = rowSum(row, bytes, whole) / n;
    const mean4 = f32x4.splat(mean);
    let acc = f32x4.splat(0);
    for (let at: usize = 0; at < whole; at += 16) {
      const d = f32x4.sub(v128.load(row + at), mean4);
      acc = f32x4.add(acc, f32x4.mul(d, d));
    }
    let squares = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    for (let at = whole; at < bytes; at += 4) {
      const d = load<f32>(row + at) - mean;
      squares += d * d;
    }
    const inverse = <f32>1 / sqrt<f32>(squares / n + epsilon);
    const inverse4 = f32x4.splat(inverse);
    for (let at: usize = 0; at < whole; at += 16) {
      const normalised = f32x4.mul(f32x4.sub(v128.load(row + at), mean4), inverse4);
      v128.store(dst + at, f32x4.add(f32x4.mul(normalised, v128.load(gamma + at)), v128.load(beta + at)));
    }
    for (let at = whole; at < bytes; at += 4) {
      store<f32>(dst + at, (load<f32>(row + at) - mean) * inverse * load<f32>(gamma + at) + load<f32>(beta + at));
    }
  }
}
