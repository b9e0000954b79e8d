// SPDX-License-Identifier: MIT
// The softmax of one query's listed window logits, shared by the fused forward kernels (na_fused.ts and
// grouped/): the rpb added, the maximum, the exponentials and their sum, and the log-sum-exp the fused backward
// reads when gradients are recorded.
import { expNonPositive4 } from './exp';

/** A class only so that asc's @inline (a method decorator TypeScript parses) inlines it: a call per query and
 *  head costs the per-query kernel a few per cent. */
export class Softmax {
  /**
   * Turns the `count` logits at `logits` (rounded up to a multiple of 4) into e^(logit - max), adding each listed
   * slot's bias first when `rpb` is not 0 (head table `rpbHead`, byte offsets in `biases`); lanes past `count` give
   * nothing beside the maximum's 1. Writes max + log(sum) at `lse`'s entry `row` unless `lse` is 0, and returns 1 / sum.
   */
  @inline static row(logits: usize, count: i32, rpb: usize, rpbHead: usize, biases: usize, lse: usize, row: i32): f32 {
    let most = f32x4.splat(-Infinity);
    for (let w = 0; w < count; w += 4) {
      const at = <usize>w << 2;
      let logit = v128.load(logits + at);
      if (rpb != 0) {
        let bias = v128.load32_zero(rpbHead + load<u32>(biases + at));
        bias = v128.load32_lane(rpbHead + load<u32>(biases + at, 4), bias, 1);
        bias = v128.load32_lane(rpbHead + load<u32>(biases + at, 8), bias, 2);
        bias = v128.load32_lane(rpbHead + load<u32>(biases + at, 12), bias, 3);
        logit = f32x4.add(logit, bias);
      }
      logit = v128.bitselect(logit, f32x4.splat(-Infinity), i32x4.gt_s(i32x4.splat(count - w), i32x4(0, 1, 2, 3)));
      v128.store(logits + at, logit);
      most = f32x4.pmax(most, logit);
    }
    most = f32x4.pmax(most, f32x4.shuffle(most, most, 2, 3, 0, 1));
    most = f32x4.pmax(most, f32x4.shuffle(most, most, 1, 0, 3, 2));
    let sum = f32x4.splat(0);
    for (let w = 0; w < count; w += 4) {
      const weight = expNonPositive4(f32x4.sub(v128.load(logits + (<usize>w << 2)), most));
      v128.store(logits + (<usize>w << 2), weight);
      sum = f32x4.add(sum, weight);
    }
    sum = f32x4.add(sum, f32x4.shuffle(sum, sum, 2, 3, 0, 1));
    sum = f32x4.add(sum, f32x4.shuffle(sum, sum, 1, 0, 3, 2));
    const total = f32x4.extract_lane(sum, 0);
    if (lse != 0) store<f32>(lse + (<usize>row << 2), f32x4.extract_lane(most, 0) + Mathf.log(total));
    return 1 / total;
  }
}
