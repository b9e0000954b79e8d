// SPDX-License-Identifier: MIT
// Tolerance checks in the fixture README's form |actual - expected| <= atol + rtol * |expected|, with -inf
// slots compared by position.

export interface Mismatch {
  worst: number;
  worstIndex: number;
  infMismatch: number;
  count: number;
}

/** Largest scaled error |a - e| / (1 + |e|) and the number of elements outside atol/rtol. */
export function compareArrays(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number): Mismatch {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != expected ${expected.length}`);
  let worst = 0;
  let worstIndex = -1;
  let infMismatch = 0;
  let count = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a !== e) infMismatch++;
      continue;
    }
    const diff = Math.abs(a - e);
    const scaled = diff / (1 + Math.abs(e));
    if (scaled > worst) {
      worst = scaled;
      worstIndex = i;
    }
    if (diff > atol + rtol * Math.abs(e)) count++;
  }
  return { worst, worstIndex, infMismatch, count };
}
