// SPDX-License-Identifier: MIT
/**
 * e^x per lane for x <= 0, the four-lane form of assembly/exp.ts (Cody-Waite reduction, degree-7 Taylor
 * polynomial, relative error ~1e-7, inputs below -87 flush to e^-87); constants are v128.const, no data segment.
 */
export function exp4(x: v128): v128 {
  x = f32x4.max(x, f32x4.splat(-87.0));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693145752))), f32x4.mul(n, f32x4.splat(1.42860677e-6)));
  let p = f32x4.add(f32x4.splat(0.00138888892), f32x4.mul(r, f32x4.splat(0.000198412701)));
  p = f32x4.add(f32x4.splat(0.00833333377), f32x4.mul(r, p));
  p = f32x4.add(f32x4.splat(0.0416666679), f32x4.mul(r, p));
  p = f32x4.add(f32x4.splat(0.166666672), f32x4.mul(r, p));
  p = f32x4.add(f32x4.splat(0.5), f32x4.mul(r, p));
  p = f32x4.add(f32x4.splat(1), f32x4.mul(r, p));
  p = f32x4.add(f32x4.splat(1), f32x4.mul(r, p));
  const power = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, power);
}
