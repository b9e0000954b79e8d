// SPDX-License-Identifier: MIT
// Fused neighbourhood attention (QK + rpb, softmax, AV) with 128-bit SIMD over 3-D problems with GQA, run
// directly on the tfjs wasm backend's heap: this module imports that memory, so tensors are never copied.
// Pointers are byte offsets into the shared memory; the head dimension must be a multiple of 4.
// Each query's window is listed once (key offsets and bias indices) and reused by every head; the softmax takes
// two passes over the window's logits (as NATTEN's fused kernels do per tile) instead of rescaling per key, so
// the dot products run four keys at a time and AV keeps eight accumulators in registers.
import { expNonPositive4 } from './exp';
import { BATCH, BIAS, DILATION, HEADS, HEAD_DIM, KERNEL, KV_HEADS, SIZE, entry, field, windowAxis } from './problem';

/** [sum(a), sum(b), sum(c), sum(d)]: a 4x4 transpose folded into the additions. */
function sums4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(f32x4.shuffle(a, b, 0, 4, 1, 5), f32x4.shuffle(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(f32x4.shuffle(c, d, 0, 4, 1, 5), f32x4.shuffle(c, d, 2, 6, 3, 7));
  return f32x4.add(f32x4.shuffle(ab, cd, 0, 1, 4, 5), f32x4.shuffle(ab, cd, 2, 3, 6, 7));
}

/**
 * `header` holds the problem and window tables (problem.ts); `scratch` 12 bytes per window slot (slots rounded
 * up to a multiple of 4): a key byte offset, a bias index and a logit each; `rpb` 0 when absent.
 */
export function fusedAttention(q: usize, k: usize, v: usize, rpb: usize, out: usize, header: usize, scratch: usize, scale: f32): void {
  const X = field(header, SIZE), Y = field(header, SIZE + 1), Z = field(header, SIZE + 2);
  const d0 = field(header, DILATION), d1 = field(header, DILATION + 1), d2 = field(header, DILATION + 2);
  const bP = field(header, BIAS), bR = field(header, BIAS + 1), bC = field(header, BIAS + 2);
  const heads = field(header, HEADS), kvHeads = field(header, KV_HEADS), group = heads / kvHeads;
  const rowBytes = <usize>field(header, HEAD_DIM) << 2;
  const keyBytes = <usize>kvHeads * rowBytes;
  const padded = <usize>((field(header, KERNEL) * field(header, KERNEL + 1) * field(header, KERNEL + 2) + 3) & ~3);
  const keyAt = scratch, biasAt = scratch + (padded << 2), logitAt = scratch + (padded << 3);
  const splatScale = f32x4.splat(scale);
  const t0 = windowAxis(header, 0), t1 = windowAxis(header, 1), t2 = windowAxis(header, 2);
  for (let b = 0; b < field(header, BATCH); b++) {
    for (let x0 = 0; x0 < X; x0++) {
      const s0 = entry(t0, x0), c0 = entry(t0, X + x0), pb0 = entry(t0, 2 * X + x0);
      for (let x1 = 0; x1 < Y; x1++) {
        const s1 = entry(t1, x1), c1 = entry(t1, Y + x1), pb1 = entry(t1, 2 * Y + x1);
        for (let x2 = 0; x2 < Z; x2++) {
          const s2 = entry(t2, x2), c2 = entry(t2, Z + x2), pb2 = entry(t2, 2 * Z + x2);
          // The window, listed once for every head: key byte offsets (head 0) and bias indices (head 0).
          let count: usize = 0;
          for (let n0 = 0; n0 < c0; n0++) {
            const plane = (b * X + s0 + n0 * d0) * Y;
            for (let n1 = 0; n1 < c1; n1++) {
              const row = (plane + s1 + n1 * d1) * Z + s2;
              const biasRow = ((pb0 + n0) * bR + pb1 + n1) * bC + pb2;
              for (let n2 = 0; n2 < c2; n2++, count++) {
                store<u32>(keyAt + (count << 2), <u32>(<usize>(row + n2 * d2) * keyBytes));
                store<i32>(biasAt + (count << 2), biasRow + n2);
              }
            }
          }
          // Groups of four keys: the last group repeats the first key, and its extra logits are set to -inf.
          const groups = (count + 3) & ~3;
          for (let w = count; w < groups; w++) store<u32>(keyAt + (w << 2), load<u32>(keyAt));
          const pos = ((b * X + x0) * Y + x1) * Z + x2;
          for (let h = 0; h < heads; h++) {
            const kvOffset = <usize>(h / group) * rowBytes;
            const kHead = k + kvOffset, vHead = v + kvOffset;
            const qRow = q + <usize>(pos * heads + h) * rowBytes;
            // Pass 1: scaled logits, four keys at a time.
            for (let w: usize = 0; w < groups; w += 4) {
              const key0 = kHead + load<u32>(keyAt + (w << 2)), key1 = kHead + load<u32>(keyAt + (w << 2), 4);
              const key2 = kHead + load<u32>(keyAt + (w << 2), 8), key3 = kHead + load<u32>(keyAt + (w << 2), 12);
              let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
              for (let c: usize = 0; c < rowBytes; c += 16) {
                const qv = v128.load(qRow + c);
                a0 = f32x4.add(a0, f32x4.mul(qv, v128.load(key0 + c)));
                a1 = f32x4.add(a1, f32x4.mul(qv, v128.load(key1 + c)));
                a2 = f32x4.add(a2, f32x4.mul(qv, v128.load(key2 + c)));
                a3 = f32x4.add(a3, f32x4.mul(qv, v128.load(key3 + c)));
              }
              v128.store(logitAt + (w << 2), f32x4.mul(sums4(a0, a1, a2, a3), splatScale));
            }
            // Bias and maximum.
            let most: f32 = -Infinity;
            const biasHead = h * bP * bR * bC;
            for (let w: usize = 0; w < count; w++) {
              let logit = load<f32>(logitAt + (w << 2));
              if (rpb != 0) logit += load<f32>(rpb + (<usize>(biasHead + load<i32>(biasAt + (w << 2))) << 2));
              store<f32>(logitAt + (w << 2), logit);
              most = max(most, logit);
            }
            for (let w = count; w < groups; w++) store<f32>(logitAt + (w << 2), -Infinity);
            // Pass 2: weights and their sum (the -inf lanes give e^-87, nothing beside the maximum's 1).
            const splatMost = f32x4.splat(most);
            let sum = f32x4.splat(0);
            for (let w: usize = 0; w < groups; w += 4) {
              const weight = expNonPositive4(f32x4.sub(v128.load(logitAt + (w << 2)), splatMost));
              v128.store(logitAt + (w << 2), weight);
              sum = f32x4.add(sum, weight);
            }
            const inverse = f32x4.splat(<f32>1 / (f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1) + f32x4.extract_lane(sum, 2) + f32x4.extract_lane(sum, 3)));
            // Pass 3: AV over 32 channels at a time in registers, then 4 at a time.
            const outRow = out + <usize>(pos * heads + h) * rowBytes;
            let c: usize = 0;
            for (; c + 128 <= rowBytes; c += 128) {
              let o0 = f32x4.splat(0), o1 = o0, o2 = o0, o3 = o0, o4 = o0, o5 = o0, o6 = o0, o7 = o0;
              for (let w: usize = 0; w < count; w++) {
                const weight = v128.load32_splat(logitAt + (w << 2));
                const value = vHead + load<u32>(keyAt + (w << 2)) + c;
                o0 = f32x4.add(o0, f32x4.mul(weight, v128.load(value)));
                o1 = f32x4.add(o1, f32x4.mul(weight, v128.load(value, 16)));
                o2 = f32x4.add(o2, f32x4.mul(weight, v128.load(value, 32)));
                o3 = f32x4.add(o3, f32x4.mul(weight, v128.load(value, 48)));
                o4 = f32x4.add(o4, f32x4.mul(weight, v128.load(value, 64)));
                o5 = f32x4.add(o5, f32x4.mul(weight, v128.load(value, 80)));
                o6 = f32x4.add(o6, f32x4.mul(weight, v128.load(value, 96)));
                o7 = f32x4.add(o7, f32x4.mul(weight, v128.load(value, 112)));
              }
              const at = outRow + c;
              v128.store(at, f32x4.mul(o0, inverse));
              v128.store(at, f32x4.mul(o1, inverse), 16);
              v128.store(at, f32x4.mul(o2, inverse), 32);
              v128.store(at, f32x4.mul(o3, inverse), 48);
              v128.store(at, f32x4.mul(o4, inverse), 64);
              v128.store(at, f32x4.mul(o5, inverse), 80);
              v128.store(at, f32x4.mul(o6, inverse), 96);
              v128.store(at, f32x4.mul(o7, inverse), 112);
            }
            for (; c < rowBytes; c += 16) {
              let o = f32x4.splat(0);
              for (let w: usize = 0; w < count; w++) {
                o = f32x4.add(o, f32x4.mul(v128.load32_splat(logitAt + (w << 2)), v128.load(vHead + load<u32>(keyAt + (w << 2)) + c)));
              }
              v128.store(outRow + c, f32x4.mul(o, inverse));
            }
          }
        }
      }
    }
  }
}
