// SPDX-License-Identifier: MIT
// The problem header every kernel receives: int32 fields at `header`, then the per-axis tables (planes, rows,
// cols) the host copies after it. Field order must match simd_kernels.ts (problemHeader).

export const BATCH = 0;
export const SIZE = 1; // + axis: X, Y, Z
export const HEADS = 4;
export const KV_HEADS = 5;
export const HEAD_DIM = 6;
export const KERNEL = 7; // + axis
export const DILATION = 10; // + axis
export const BIAS = 13; // + axis: 2k-1 per axis
export const ENTRIES = 16; // + axis: inverse-neighbourhood entries per axis
export const HEADER_BYTES: usize = 80;

/** Field `i` of the header. */
export function field(header: usize, i: i32): i32 {
  return load<i32>(header + (<usize>i << 2));
}

/** Entry `i` of the int32 table at `table`. */
export function entry(table: usize, i: i32): i32 {
  return load<i32>(table + (<usize>i << 2));
}

/**
 * Window tables: per axis start[L], count[L], biasStart[L]; returns the start of axis `axis`'s block. They follow
 * the header, or (`afterInverse`) the inverse tables when a kernel takes both.
 */
export function windowAxis(header: usize, axis: i32, afterInverse: bool = false): usize {
  let at = afterInverse ? inverseAxis(header, 3) : header + HEADER_BYTES;
  for (let a = 0; a < axis; a++) at += <usize>(3 * field(header, SIZE + a)) << 2;
  return at;
}

/** Inverse tables: per axis offset[L+1], query[n], slot[n]; returns the start of axis `axis`'s block. */
export function inverseAxis(header: usize, axis: i32): usize {
  let at = header + HEADER_BYTES;
  for (let a = 0; a < axis; a++) at += <usize>(field(header, SIZE + a) + 1 + 2 * field(header, ENTRIES + a)) << 2;
  return at;
}

/** Horizontal sum of a f32x4. */
export function lanes(x: v128): f32 {
  return f32x4.extract_lane(x, 0) + f32x4.extract_lane(x, 1) + f32x4.extract_lane(x, 2) + f32x4.extract_lane(x, 3);
}

/** Dot product of two f32 rows of `rowBytes` bytes (a multiple of 16). */
export function dotRows(a: usize, b: usize, rowBytes: usize): f32 {
  let dot = f32x4.splat(0);
  for (let c: usize = 0; c < rowBytes; c += 16) dot = f32x4.add(dot, f32x4.mul(v128.load(a + c), v128.load(b + c)));
  return lanes(dot);
}

/**
 * Stride-group tables (the grouped forward's, after the window tables): per axis the group count, offset[L+1]
 * (group g's members are member[offset[g] .. offset[g+1])) and member[L]; returns the start of axis `axis`'s block.
 */
export function groupAxis(header: usize, axis: i32): usize {
  let at = windowAxis(header, 3);
  for (let a = 0; a < axis; a++) at += <usize>(2 * field(header, SIZE + a) + 2) << 2;
  return at;
}
