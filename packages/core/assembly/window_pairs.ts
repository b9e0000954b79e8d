// SPDX-License-Identifier: MIT
// window.ts's QK and AV for two queries of one stride group, which share their window: each key and value row
// is loaded once for both (a 2-query x 4-key register tile for QK, 2 queries x 16 channels for AV, eight
// accumulators each), and the window's listing and key addresses are shared.
import { sums4 } from './window';

/** window.ts's windowDots for queries `qA` and `qB` over the same listed keys, into `outA` and `outB`. */
export function windowDotsPair(qA: usize, qB: usize, kHead: usize, keys: usize, count: i32, rowBytes: usize, scale: v128, outA: usize, outB: usize): void {
  for (let w = 0; w < count; w += 4) {
    const list = keys + (<usize>w << 2);
    const key0 = kHead + load<u32>(list), key1 = kHead + load<u32>(list, 4);
    const key2 = kHead + load<u32>(list, 8), key3 = kHead + load<u32>(list, 12);
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    let qa: v128, qb: v128, kv: v128;
    for (let at: usize = 0; at < rowBytes; at += 16) {
      qa = v128.load(qA + at); qb = v128.load(qB + at);
      kv = v128.load(key0 + at); a0 = f32x4.add(a0, f32x4.mul(qa, kv)); b0 = f32x4.add(b0, f32x4.mul(qb, kv));
      kv = v128.load(key1 + at); a1 = f32x4.add(a1, f32x4.mul(qa, kv)); b1 = f32x4.add(b1, f32x4.mul(qb, kv));
      kv = v128.load(key2 + at); a2 = f32x4.add(a2, f32x4.mul(qa, kv)); b2 = f32x4.add(b2, f32x4.mul(qb, kv));
      kv = v128.load(key3 + at); a3 = f32x4.add(a3, f32x4.mul(qa, kv)); b3 = f32x4.add(b3, f32x4.mul(qb, kv));
    }
    const slot = <usize>w << 2;
    v128.store(outA + slot, f32x4.mul(sums4(a0, a1, a2, a3), scale));
    v128.store(outB + slot, f32x4.mul(sums4(b0, b1, b2, b3), scale));
  }
}

/** window.ts's weightedRows for two queries: `outA` and `outB` from weights `weightsA` and `weightsB` over the same rows. */
export function weightedRowsPair(
  weightsA: usize, weightsB: usize, keys: usize, count: i32, vHead: usize, rowBytes: usize, outA: usize, outB: usize, scaleA: v128, scaleB: v128,
): void {
  let c: usize = 0;
  for (; c + 64 <= rowBytes; c += 64) {
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    let vv: v128;
    for (let w = 0; w < count; w++) {
      const at = <usize>w << 2;
      const wa = v128.load32_splat(weightsA + at), wb = v128.load32_splat(weightsB + at);
      const row = vHead + load<u32>(keys + at) + c;
      vv = v128.load(row); a0 = f32x4.add(a0, f32x4.mul(wa, vv)); b0 = f32x4.add(b0, f32x4.mul(wb, vv));
      vv = v128.load(row, 16); a1 = f32x4.add(a1, f32x4.mul(wa, vv)); b1 = f32x4.add(b1, f32x4.mul(wb, vv));
      vv = v128.load(row, 32); a2 = f32x4.add(a2, f32x4.mul(wa, vv)); b2 = f32x4.add(b2, f32x4.mul(wb, vv));
      vv = v128.load(row, 48); a3 = f32x4.add(a3, f32x4.mul(wa, vv)); b3 = f32x4.add(b3, f32x4.mul(wb, vv));
    }
    v128.store(outA + c, f32x4.mul(a0, scaleA));
    v128.store(outA + c, f32x4.mul(a1, scaleA), 16);
    v128.store(outA + c, f32x4.mul(a2, scaleA), 32);
    v128.store(outA + c, f32x4.mul(a3, scaleA), 48);
    v128.store(outB + c, f32x4.mul(b0, scaleB));
    v128.store(outB + c, f32x4.mul(b1, scaleB), 16);
    v128.store(outB + c, f32x4.mul(b2, scaleB), 32);
    v128.store(outB + c, f32x4.mul(b3, scaleB), 48);
  }
  for (; c < rowBytes; c += 16) {
    let a = f32x4.splat(0), b = a;
    for (let w = 0; w < count; w++) {
      const at = <usize>w << 2;
      const vv = v128.load(vHead + load<u32>(keys + at) + c);
      a = f32x4.add(a, f32x4.mul(v128.load32_splat(weightsA + at), vv));
      b = f32x4.add(b, f32x4.mul(v128.load32_splat(weightsB + at), vv));
    }
    v128.store(outA + c, f32x4.mul(a, scaleA));
    v128.store(outB + c, f32x4.mul(b, scaleB));
  }
}
