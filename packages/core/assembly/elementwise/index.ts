// SPDX-License-Identifier: MIT
// Element-wise kernels that tfjs-wasm runs as several passes over an activation: exact (erf) GELU in one pass,
// LayerNorm over the last axis in two. 128-bit SIMD on the tfjs wasm backend's own memory (imported, never owned);
// pointers are byte offsets into it.

/** e^x for x <= 0, four lanes: Cody-Waite reduction and the degree-7 polynomial of ../exp.ts. */
function expNonPositive4(x: v128): v128 {
  x = f32x4.max(x, f32x4.splat(-87));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693145752))), f32x4.mul(n, f32x4.splat(1.42860677e-6)));
  let p = f32x4.splat(0.000198412701);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.00138888892));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.00833333377));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.0416666679));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.166666672));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1));
  return f32x4.mul(p, i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23));
}

/**
 * x Φ(x) = x/2 (1 + erf(x/√2)) on four lanes. Φ comes from erfc(|x|/√2) (Chebyshev fit of Numerical Recipes'
 * erfcc, relative error 1.2e-7), so the negative tail keeps its precision instead of cancelling in 1 + erf.
 */
function gelu4(x: v128): v128 {
  const z = f32x4.mul(f32x4.abs(x), f32x4.splat(0.707106781));
  const t = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), f32x4.mul(z, f32x4.splat(0.5))));
  let p = f32x4.splat(0.17087277);
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.82215223));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.48851587));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.13520398));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.27886807));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.18628806));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.09678418));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.37409196));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.00002368));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.26551223));
  const erfc = f32x4.mul(t, expNonPositive4(f32x4.sub(p, f32x4.mul(z, z))));
  // 1 + erf(x/√2) is 2 - erfc for x >= 0 and erfc for x < 0.
  const twoPhi = v128.bitselect(f32x4.sub(f32x4.splat(2), erfc), erfc, f32x4.ge(x, f32x4.splat(0)));
  return f32x4.mul(f32x4.mul(x, f32x4.splat(0.5)), twoPhi);
}

/** `out[i] = gelu(x[i])` for `count` floats. */
export function gelu(x: usize, out: usize, count: i32): void {
  const bytes = <usize>count << 2;
  const whole = bytes & ~15;
  for (let at: usize = 0; at < whole; at += 16) v128.store(out + at, gelu4(v128.load(x + at)));
  for (let at = whole; at < bytes; at += 4) store<f32>(out + at, f32x4.extract_lane(gelu4(v128.load32_zero(x + at)), 0));
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
