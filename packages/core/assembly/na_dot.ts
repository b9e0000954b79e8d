// SPDX-License-Identifier: MIT
// QK (+rpb) and AV's backprop-attn: out[i, slot] = scale * a_i . b_key(i,slot) + rpb, `masked` in clipped slots.
// 3-D with GQA; same header and window tables as na_fused.ts, `scratch` window.ts's tables.
import { BIAS, HEADS, HEAD_DIM, KERNEL, KV_HEADS, field } from './problem';
import { BIASES, KEYS, SLOTS, VALUES, listWindow, paddedSlots, positions, resetWindow, windowCount, windowDots } from './window';

export function neighborhoodDot(a: usize, b: usize, rpb: usize, out: usize, header: usize, scratch: usize, scale: f32, masked: f32): void {
  const heads = field(header, HEADS), kvHeads = field(header, KV_HEADS), group = heads / kvHeads;
  const biasHead = field(header, BIAS) * field(header, BIAS + 1) * field(header, BIAS + 2);
  const rowBytes = <usize>field(header, HEAD_DIM) << 2;
  const slots = field(header, KERNEL) * field(header, KERNEL + 1) * field(header, KERNEL + 2);
  const padded = paddedSlots(header);
  const keys = scratch + padded * (KEYS << 2), biases = scratch + padded * (BIASES << 2);
  const slotAt = scratch + padded * (SLOTS << 2), dots = scratch + padded * (VALUES << 2);
  const splatScale = f32x4.splat(scale);
  const total = positions(header);
  resetWindow(header, scratch);
  for (let pos = 0; pos < total; pos++) {
    const base = listWindow(header, scratch, pos, <usize>kvHeads * rowBytes), count = windowCount(header, scratch);
    for (let h = 0; h < heads; h++) {
      const aRow = a + <usize>(pos * heads + h) * rowBytes;
      const bHead = b + base + <usize>(h / group) * rowBytes;
      windowDots(aRow, bHead, keys, count, rowBytes, splatScale, dots);
      // Clipped slots get `masked`, the listed ones their dot (+ bias).
      const outRow = out + (<usize>((pos * heads + h) * slots) << 2);
      for (let s = 0; s < slots; s++) store<f32>(outRow + (<usize>s << 2), masked);
      const rpbHead = rpb + (<usize>(h * biasHead) << 2);
      for (let w = 0; w < count; w++) {
        const at = <usize>w << 2;
        let value = load<f32>(dots + at);
        if (rpb != 0) value += load<f32>(rpbHead + load<u32>(biases + at));
        store<f32>(outRow + load<u32>(slotAt + at), value);
      }
    }
  }
}
