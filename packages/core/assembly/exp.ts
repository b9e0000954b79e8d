// SPDX-License-Identifier: MIT
/**
 * e^x for x <= 0 in each f32 lane, without lookup tables: a data segment would be written into the host's
 * memory on instantiation. Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, then a degree-7 Taylor polynomial
 * (relative error ~1e-7); inputs below -87 flush to e^-87. n is rounded (to nearest, ties to even) by adding
 * 1.5 * 2^23 + 127, which leaves n + 127 in the low mantissa bits, so 2^n is those bits shifted into the exponent.
 */
export function expNonPositive4(x: v128): v128 {
  const MAGIC: f32 = 12582912 + 127;
  x = f32x4.pmax(x, f32x4.splat(-87.0));
  const biased = f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504)), f32x4.splat(MAGIC));
  const n = f32x4.sub(biased, f32x4.splat(MAGIC));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693145752))), f32x4.mul(n, f32x4.splat(1.42860677e-6)));
  let p = f32x4.splat(0.000198412701);
  p = f32x4.add(f32x4.splat(0.00138888892), f32x4.mul(r, p));
  p = f32x4.add(f32x4.splat(0.00833333377), f32x4.mul(r, p));
  p = f32x4.add(f32x4.splat(0.0416666679), f32x4.mul(r, p));
  p = f32x4.add(f32x4.splat(0.166666672), f32x4.mul(r, p));
  p = f32x4.add(f32x4.splat(0.5), f32x4.mul(r, p));
  p = f32x4.add(f32x4.splat(1), f32x4.mul(r, p));
  p = f32x4.add(f32x4.splat(1), f32x4.mul(r, p));
  return f32x4.mul(p, i32x4.shl(biased, 23));
}

/** The scalar e^x for x <= 0: lane 0 of expNonPositive4, so both give the same bits. */
export function expNonPositive(x: f32): f32 {
  return f32x4.extract_lane(expNonPositive4(f32x4.splat(x)), 0);
}
