// SPDX-License-Identifier: MIT
// The fused forward tiled by stride group (Generalized Neighborhood Attention, Hassani et al., 2025): queries
// of one group share their window, so it is listed once per group and each head's keys and values are read
// for two queries at a time (window_pairs.ts) while they are in cache. Same arguments and results as
// na_fused.ts's fusedAttention, plus the group tables (problem.ts's groupAxis) after the window tables.
import { BATCH, BIAS, HEADS, HEAD_DIM, KV_HEADS, SIZE, entry, field, groupAxis } from './problem';
import { Softmax } from './softmax_row';
import { BIASES, KEYS, VALUES, listWindow, paddedSlots, resetWindow, windowCount } from './window';
import { weightedRowsPair, windowDotsPair } from './window_pairs';

/** Softmax.row as one function the pair loop calls twice, so that it is inlined once and the module stays under 4 KB. */
function softmaxOfRow(logits: usize, count: i32, rpb: usize, rpbHead: usize, biases: usize, lse: usize, row: i32): f32 {
  return Softmax.row(logits, count, rpb, rpbHead, biases, lse, row);
}

/**
 * `scratch`: window.ts's tables and state, then a second logits row (paddedSlots f32) and the group's query
 * positions (the largest group's size in i32).
 */
export function groupedAttention(q: usize, k: usize, v: usize, rpb: usize, out: usize, lse: usize, header: usize, scratch: usize, scale: f32): void {
  const heads = field(header, HEADS), kvHeads = field(header, KV_HEADS), group = heads / kvHeads;
  const biasHead = field(header, BIAS) * field(header, BIAS + 1) * field(header, BIAS + 2);
  const rowBytes = <usize>field(header, HEAD_DIM) << 2;
  const X = field(header, SIZE), Y = field(header, SIZE + 1), Z = field(header, SIZE + 2);
  const t0 = groupAxis(header, 0), t1 = groupAxis(header, 1), t2 = groupAxis(header, 2);
  const padded = paddedSlots(header);
  const keys = scratch + padded * (KEYS << 2), biases = scratch + padded * (BIASES << 2), logitsA = scratch + padded * (VALUES << 2);
  const logitsB = scratch + (padded << 4) + 32, members = logitsB + (padded << 2);
  const splatScale = f32x4.splat(scale);
  resetWindow(header, scratch);
  for (let b = 0; b < field(header, BATCH); b++) {
    for (let g0 = 0; g0 < entry(t0, 0); g0++) {
      for (let g1 = 0; g1 < entry(t1, 0); g1++) {
        for (let g2 = 0; g2 < entry(t2, 0); g2++) {
          // The group's query positions: the product of its members on each axis.
          let n = 0;
          for (let j0 = entry(t0, 1 + g0); j0 < entry(t0, 2 + g0); j0++) {
            const plane = b * X + entry(t0, 2 + X + j0);
            for (let j1 = entry(t1, 1 + g1); j1 < entry(t1, 2 + g1); j1++) {
              const row = (plane * Y + entry(t1, 2 + Y + j1)) * Z;
              for (let j2 = entry(t2, 1 + g2); j2 < entry(t2, 2 + g2); j2++, n++) {
                store<i32>(members + (<usize>n << 2), row + entry(t2, 2 + Z + j2));
              }
            }
          }
          const base = listWindow(header, scratch, load<i32>(members), <usize>kvHeads * rowBytes), count = windowCount(header, scratch);
          for (let h = 0; h < heads; h++) {
            const kvOffset = base + <usize>(h / group) * rowBytes;
            const rpbHead = rpb + (<usize>(h * biasHead) << 2);
            // Two queries at a time; an odd group's last query is run as both (the same result written twice).
            for (let i = 0; i < n; i += 2) {
              const rowA = load<i32>(members + (<usize>i << 2)) * heads + h;
              const rowB = load<i32>(members + (<usize>min(i + 1, n - 1) << 2)) * heads + h;
              const outA = out + <usize>rowA * rowBytes, outB = out + <usize>rowB * rowBytes;
              windowDotsPair(q + <usize>rowA * rowBytes, q + <usize>rowB * rowBytes, k + kvOffset, keys, count, rowBytes, splatScale, logitsA, logitsB);
              const inverseA = softmaxOfRow(logitsA, count, rpb, rpbHead, biases, lse, rowA);
              const inverseB = softmaxOfRow(logitsB, count, rpb, rpbHead, biases, lse, rowB);
              weightedRowsPair(logitsA, logitsB, keys, count, v + kvOffset, rowBytes, outA, outB, f32x4.splat(inverseA), f32x4.splat(inverseB));
            }
          }
        }
      }
    }
  }
}
