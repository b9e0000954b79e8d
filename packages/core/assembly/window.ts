// SPDX-License-Identifier: MIT
// What the forward window kernels share: each query's window listed once for all its heads, QK four keys at a
// time over 32 channels, and AV over 16 channels with its four accumulators in registers, both at fixed load
// offsets (then 4 channels at a time). The window is a short list of keys read by every head and reread by the
// next query, so keys and values come from cache; these kernels are bound by their multiply-adds. The scratch holds four tables of `paddedSlots` 32-bit entries each: per listed window slot its key's
// byte offset from the window's first key, its bias byte offset (of head 0), its slot's byte offset in a `slots`
// row, and a f32 logit or weight; then 32 bytes of listing state.
import { BATCH, BIAS, DILATION, KERNEL, SIZE, entry, field, windowAxis } from './problem';

export const KEYS = 0;
export const BIASES = 1;
export const SLOTS = 2;
export const VALUES = 3;

/** Window slots rounded up to a multiple of 4 (the length of each scratch table). */
export function paddedSlots(header: usize): usize {
  return <usize>((field(header, KERNEL) * field(header, KERNEL + 1) * field(header, KERNEL + 2) + 3) & ~3);
}

/** Query positions, B * X * Y * Z. */
export function positions(header: usize): i32 {
  return field(header, BATCH) * field(header, SIZE) * field(header, SIZE + 1) * field(header, SIZE + 2);
}

/** Where the listing state follows the four tables: the count, then the shape it was listed for. */
function stateOf(header: usize, scratch: usize): usize {
  return scratch + (paddedSlots(header) << 4);
}

/** Forgets the last listing; a kernel calls it before its first listWindow. */
export function resetWindow(header: usize, scratch: usize): void {
  store<i32>(stateOf(header, scratch), -1, 4);
}

/** The number of slots listWindow listed. */
export function windowCount(header: usize, scratch: usize): i32 {
  return load<i32>(stateOf(header, scratch));
}

/**
 * Lists the valid slots of query position `pos`'s window into the scratch tables (key offsets from the window's
 * first key, keys `keyBytes` apart), padded to a multiple of 4 with the first entry, and returns the byte offset
 * of that first key. Tables depend only on the window's shape (per-axis count and bias start), which inside the
 * grid repeats from one query to the next, so they are rebuilt only when it changes.
 */
export function listWindow(header: usize, scratch: usize, pos: i32, keyBytes: usize): usize {
  const X = field(header, SIZE), Y = field(header, SIZE + 1), Z = field(header, SIZE + 2);
  const t0 = windowAxis(header, 0), t1 = windowAxis(header, 1), t2 = windowAxis(header, 2);
  const x2 = pos % Z, x1 = (pos / Z) % Y, x0 = (pos / (Y * Z)) % X, b = pos / (X * Y * Z);
  const c0 = entry(t0, X + x0), pb0 = entry(t0, 2 * X + x0);
  const c1 = entry(t1, Y + x1), pb1 = entry(t1, 2 * Y + x1);
  const c2 = entry(t2, Z + x2), pb2 = entry(t2, 2 * Z + x2);
  const base = <usize>(((b * X + entry(t0, x0)) * Y + entry(t1, x1)) * Z + entry(t2, x2)) * keyBytes;
  const state = stateOf(header, scratch);
  if (load<i32>(state, 4) == c0 && load<i32>(state, 8) == c1 && load<i32>(state, 12) == c2 &&
    load<i32>(state, 16) == pb0 && load<i32>(state, 20) == pb1 && load<i32>(state, 24) == pb2) return base;
  const k1 = field(header, KERNEL + 1), k2 = field(header, KERNEL + 2);
  const bR = field(header, BIAS + 1), bC = field(header, BIAS + 2);
  const d0 = field(header, DILATION), d1 = field(header, DILATION + 1), d2 = field(header, DILATION + 2);
  const padded = paddedSlots(header);
  const keys = scratch, biases = scratch + (padded << 2), slots = scratch + (padded << 3);
  let count = 0;
  for (let n0 = 0; n0 < c0; n0++) {
    for (let n1 = 0; n1 < c1; n1++) {
      const row = (n0 * d0 * Y + n1 * d1) * Z;
      const biasRow = ((pb0 + n0) * bR + pb1 + n1) * bC + pb2;
      const slotRow = (n0 * k1 + n1) * k2;
      for (let n2 = 0; n2 < c2; n2++, count++) {
        const at = <usize>count << 2;
        store<u32>(keys + at, <u32>(<usize>(row + n2 * d2) * keyBytes));
        store<u32>(biases + at, <u32>(biasRow + n2) << 2);
        store<u32>(slots + at, <u32>(slotRow + n2) << 2);
      }
    }
  }
  for (let w = count; w & 3; w++) {
    const at = <usize>w << 2;
    store<u32>(keys + at, load<u32>(keys));
    store<u32>(biases + at, load<u32>(biases));
    store<u32>(slots + at, load<u32>(slots));
  }
  store<i32>(state, count);
  store<i32>(state, c0, 4);
  store<i32>(state, c1, 8);
  store<i32>(state, c2, 12);
  store<i32>(state, pb0, 16);
  store<i32>(state, pb1, 20);
  store<i32>(state, pb2, 24);
  return base;
}

/** [sum(a), sum(b), sum(c), sum(d)]: a 4x4 transpose folded into the additions. */
export function sums4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(f32x4.shuffle(a, b, 0, 4, 1, 5), f32x4.shuffle(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(f32x4.shuffle(c, d, 0, 4, 1, 5), f32x4.shuffle(c, d, 2, 6, 3, 7));
  return f32x4.add(f32x4.shuffle(ab, cd, 0, 1, 4, 5), f32x4.shuffle(ab, cd, 2, 3, 6, 7));
}

/**
 * `scale` times the dot products of the query row with the `count` listed keys (offsets from `kHead`), rounded up
 * to a multiple of 4, into `out`. Four keys at a time, unrolled by hand over 32 channels: asc does not unroll, and
 * fixed load offsets save V8 an address add per load.
 */
export function windowDots(qRow: usize, kHead: usize, keys: usize, count: i32, rowBytes: usize, scale: v128, out: usize): void {
  for (let w = 0; w < count; w += 4) {
    const list = keys + (<usize>w << 2);
    const key0 = kHead + load<u32>(list), key1 = kHead + load<u32>(list, 4);
    const key2 = kHead + load<u32>(list, 8), key3 = kHead + load<u32>(list, 12);
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    let at: usize = 0;
    for (; at + 128 <= rowBytes; at += 128) {
      const qc = qRow + at, k0 = key0 + at, k1 = key1 + at, k2 = key2 + at, k3 = key3 + at;
      let qv = v128.load(qc);
      a0 = f32x4.add(a0, f32x4.mul(qv, v128.load(k0)));
      a1 = f32x4.add(a1, f32x4.mul(qv, v128.load(k1)));
      a2 = f32x4.add(a2, f32x4.mul(qv, v128.load(k2)));
      a3 = f32x4.add(a3, f32x4.mul(qv, v128.load(k3)));
      qv = v128.load(qc, 16);
      a0 = f32x4.add(a0, f32x4.mul(qv, v128.load(k0, 16)));
      a1 = f32x4.add(a1, f32x4.mul(qv, v128.load(k1, 16)));
      a2 = f32x4.add(a2, f32x4.mul(qv, v128.load(k2, 16)));
      a3 = f32x4.add(a3, f32x4.mul(qv, v128.load(k3, 16)));
      qv = v128.load(qc, 32);
      a0 = f32x4.add(a0, f32x4.mul(qv, v128.load(k0, 32)));
      a1 = f32x4.add(a1, f32x4.mul(qv, v128.load(k1, 32)));
      a2 = f32x4.add(a2, f32x4.mul(qv, v128.load(k2, 32)));
      a3 = f32x4.add(a3, f32x4.mul(qv, v128.load(k3, 32)));
      qv = v128.load(qc, 48);
      a0 = f32x4.add(a0, f32x4.mul(qv, v128.load(k0, 48)));
      a1 = f32x4.add(a1, f32x4.mul(qv, v128.load(k1, 48)));
      a2 = f32x4.add(a2, f32x4.mul(qv, v128.load(k2, 48)));
      a3 = f32x4.add(a3, f32x4.mul(qv, v128.load(k3, 48)));
      qv = v128.load(qc, 64);
      a0 = f32x4.add(a0, f32x4.mul(qv, v128.load(k0, 64)));
      a1 = f32x4.add(a1, f32x4.mul(qv, v128.load(k1, 64)));
      a2 = f32x4.add(a2, f32x4.mul(qv, v128.load(k2, 64)));
      a3 = f32x4.add(a3, f32x4.mul(qv, v128.load(k3, 64)));
      qv = v128.load(qc, 80);
      a0 = f32x4.add(a0, f32x4.mul(qv, v128.load(k0, 80)));
      a1 = f32x4.add(a1, f32x4.mul(qv, v128.load(k1, 80)));
      a2 = f32x4.add(a2, f32x4.mul(qv, v128.load(k2, 80)));
      a3 = f32x4.add(a3, f32x4.mul(qv, v128.load(k3, 80)));
      qv = v128.load(qc, 96);
      a0 = f32x4.add(a0, f32x4.mul(qv, v128.load(k0, 96)));
      a1 = f32x4.add(a1, f32x4.mul(qv, v128.load(k1, 96)));
      a2 = f32x4.add(a2, f32x4.mul(qv, v128.load(k2, 96)));
      a3 = f32x4.add(a3, f32x4.mul(qv, v128.load(k3, 96)));
      qv = v128.load(qc, 112);
      a0 = f32x4.add(a0, f32x4.mul(qv, v128.load(k0, 112)));
      a1 = f32x4.add(a1, f32x4.mul(qv, v128.load(k1, 112)));
      a2 = f32x4.add(a2, f32x4.mul(qv, v128.load(k2, 112)));
      a3 = f32x4.add(a3, f32x4.mul(qv, v128.load(k3, 112)));
    }
    for (; at < rowBytes; at += 16) {
      const qv = v128.load(qRow + at);
      a0 = f32x4.add(a0, f32x4.mul(qv, v128.load(key0 + at)));
      a1 = f32x4.add(a1, f32x4.mul(qv, v128.load(key1 + at)));
      a2 = f32x4.add(a2, f32x4.mul(qv, v128.load(key2 + at)));
      a3 = f32x4.add(a3, f32x4.mul(qv, v128.load(key3 + at)));
    }
    v128.store(out + (<usize>w << 2), f32x4.mul(sums4(a0, a1, a2, a3), scale));
  }
}

/**
 * `out` = `scale` * the sum over the `count` listed rows (at `vHead` + their offsets in `keys`) of each row times
 * its f32 weight in `weights`.
 */
export function weightedRows(weights: usize, keys: usize, count: i32, vHead: usize, rowBytes: usize, out: usize, scale: v128): void {
  let c: usize = 0;
  for (; c + 64 <= rowBytes; c += 64) {
    let o0 = f32x4.splat(0), o1 = o0, o2 = o0, o3 = o0;
    for (let w = 0; w < count; w++) {
      const weight = v128.load32_splat(weights + (<usize>w << 2));
      const row = vHead + load<u32>(keys + (<usize>w << 2)) + c;
      o0 = f32x4.add(o0, f32x4.mul(weight, v128.load(row)));
      o1 = f32x4.add(o1, f32x4.mul(weight, v128.load(row, 16)));
      o2 = f32x4.add(o2, f32x4.mul(weight, v128.load(row, 32)));
      o3 = f32x4.add(o3, f32x4.mul(weight, v128.load(row, 48)));
    }
    const at = out + c;
    v128.store(at, f32x4.mul(o0, scale));
    v128.store(at, f32x4.mul(o1, scale), 16);
    v128.store(at, f32x4.mul(o2, scale), 32);
    v128.store(at, f32x4.mul(o3, scale), 48);
  }
  for (; c < rowBytes; c += 16) {
    let o = f32x4.splat(0);
    for (let w = 0; w < count; w++) {
      o = f32x4.add(o, f32x4.mul(v128.load32_splat(weights + (<usize>w << 2)), v128.load(vHead + load<u32>(keys + (<usize>w << 2)) + c)));
    }
    v128.store(out + c, f32x4.mul(o, scale));
  }
}
