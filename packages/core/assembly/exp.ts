// SPDX-License-Identifier: MIT
/**
 * e^x for x <= 0 without lookup tables: a data segment would be written into the host's memory on
 * instantiation. Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, then a degree-7 Taylor polynomial
 * (relative error ~1e-7); inputs below -87 flush to e^-87.
 */
export function expNonPositive(x: f32): f32 {
  x = max(x, -87.0);
  const n = nearest(x * 1.44269504);
  const r = x - n * 0.693145752 - n * 1.42860677e-6;
  const p: f32 = 1 + r * (1 + r * (0.5 + r * (0.166666672 + r * (0.0416666679 + r * (0.00833333377 +
    r * (0.00138888892 + r * 0.000198412701))))));
  return p * reinterpret<f32>((<i32>n + 127) << 23);
}

