// SPDX-License-Identifier: MIT
// AV and QK's backprop-query: out_i = scale * sum_slot w[i, slot] * values_key(i,slot), clipped slots skipped.
// 3-D with GQA; same header and window tables as na_fused.ts, `scratch` window.ts's tables.
import { HEADS, HEAD_DIM, KERNEL, KV_HEADS, field } from './problem';
import { KEYS, SLOTS, VALUES, listWindow, paddedSlots, positions, resetWindow, windowCount, weightedRows } from './window';

export function neighborhoodWeightedSum(weights: usize, values: usize, out: usize, header: usize, scratch: usize, scale: f32): void {
  const heads = field(header, HEADS), kvHeads = field(header, KV_HEADS), group = heads / kvHeads;
  const rowBytes = <usize>field(header, HEAD_DIM) << 2;
  const slots = field(header, KERNEL) * field(header, KERNEL + 1) * field(header, KERNEL + 2);
  const padded = paddedSlots(header);
  const keys = scratch + padded * (KEYS << 2), slotAt = scratch + padded * (SLOTS << 2), listed = scratch + padded * (VALUES << 2);
  const splatScale = f32x4.splat(scale);
  const total = positions(header);
  resetWindow(header, scratch);
  for (let pos = 0; pos < total; pos++) {
    const base = listWindow(header, scratch, pos, <usize>kvHeads * rowBytes), count = windowCount(header, scratch);
    for (let h = 0; h < heads; h++) {
      // The listed slots' weights, gathered in list order.
      const weightRow = weights + (<usize>((pos * heads + h) * slots) << 2);
      for (let w = 0; w < count; w++) {
        store<f32>(listed + (<usize>w << 2), load<f32>(weightRow + load<u32>(slotAt + (<usize>w << 2))));
      }
      const valueHead = values + base + <usize>(h / group) * rowBytes;
      weightedRows(listed, keys, count, valueHead, rowBytes, out + <usize>(pos * heads + h) * rowBytes, splatScale);
    }
  }
}
