// SPDX-License-Identifier: MIT
// AV and QK's backprop-query: out_i = scale * sum_slot w[i, slot] * values_key(i,slot), clipped slots skipped.
// Same geometry tables as na_fused.ts; `scratch` holds headDim f32 accumulators.

export function neighborhoodWeightedSum(
  weights: usize, values: usize, out: usize, tables: usize, scratch: usize,
  batch: i32, height: i32, width: i32, heads: i32, headDim: i32, colKernel: i32,
  rowDilation: i32, colDilation: i32, slots: i32, scale: f32,
): void {
  const rowStart = tables;
  const rowCount = rowStart + (<usize>height << 2);
  const colStart = rowCount + (<usize>height << 3);
  const colCount = colStart + (<usize>width << 2);
  const rowBytes = <usize>headDim << 2;
  const splatScale = f32x4.splat(scale);
  for (let bi = 0; bi < batch; bi++) {
    for (let i0 = 0; i0 < height; i0++) {
      const s0 = load<i32>(rowStart + (<usize>i0 << 2));
      const c0 = load<i32>(rowCount + (<usize>i0 << 2));
      for (let i1 = 0; i1 < width; i1++) {
        const s1 = load<i32>(colStart + (<usize>i1 << 2));
        const c1 = load<i32>(colCount + (<usize>i1 << 2));
        const pos = (bi * height + i0) * width + i1;
        for (let h = 0; h < heads; h++) {
          const weightRow = weights + (<usize>((pos * heads + h) * slots) << 2);
          memory.fill(scratch, 0, rowBytes);
          for (let n0 = 0; n0 < c0; n0++) {
            const keyRow = (bi * height + s0 + n0 * rowDilation) * width;
            for (let n1 = 0; n1 < c1; n1++) {
              const w = f32x4.splat(load<f32>(weightRow + (<usize>(n0 * colKernel + n1) << 2)));
              const vRow = values + <usize>((keyRow + s1 + n1 * colDilation) * heads + h) * rowBytes;
              for (let c: usize = 0; c < rowBytes; c += 16) {
                v128.store(scratch + c, f32x4.add(v128.load(scratch + c), f32x4.mul(w, v128.load(vRow + c))));
              }
            }
          }
          const outRow = out + <usize>(pos * heads + h) * rowBytes;
          for (let c: usize = 0; c < rowBytes; c += 16) {
            v128.store(outRow + c, f32x4.mul(v128.load(scratch + c), splatScale));
          }
        }
      }
    }
  }
}
