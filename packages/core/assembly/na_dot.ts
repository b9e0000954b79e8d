// SPDX-License-Identifier: MIT
// QK (+rpb) and AV's backprop-attn: out[i, slot] = scale * a_i . b_key(i,slot) + rpb, `masked` in clipped slots.
// Same geometry tables as na_fused.ts.

export function neighborhoodDot(
  a: usize, b: usize, rpb: usize, out: usize, tables: usize,
  batch: i32, height: i32, width: i32, heads: i32, headDim: i32, rowKernel: i32, colKernel: i32,
  rowDilation: i32, colDilation: i32, biasRows: i32, biasCols: i32, scale: f32, masked: f32,
): void {
  const rowStart = tables;
  const rowCount = rowStart + (<usize>height << 2);
  const rowBias = rowCount + (<usize>height << 2);
  const colStart = rowBias + (<usize>height << 2);
  const colCount = colStart + (<usize>width << 2);
  const colBias = colCount + (<usize>width << 2);
  const rowBytes = <usize>headDim << 2;
  const slots = rowKernel * colKernel;
  for (let bi = 0; bi < batch; bi++) {
    for (let i0 = 0; i0 < height; i0++) {
      const s0 = load<i32>(rowStart + (<usize>i0 << 2));
      const c0 = load<i32>(rowCount + (<usize>i0 << 2));
      const pb0 = load<i32>(rowBias + (<usize>i0 << 2));
      for (let i1 = 0; i1 < width; i1++) {
        const s1 = load<i32>(colStart + (<usize>i1 << 2));
        const c1 = load<i32>(colCount + (<usize>i1 << 2));
        const pb1 = load<i32>(colBias + (<usize>i1 << 2));
        const pos = (bi * height + i0) * width + i1;
        for (let h = 0; h < heads; h++) {
          const aRow = a + <usize>(pos * heads + h) * rowBytes;
          const outRow = out + (<usize>((pos * heads + h) * slots) << 2);
          for (let n0 = 0; n0 < rowKernel; n0++) {
            const keyRow = (bi * height + s0 + n0 * rowDilation) * width;
            for (let n1 = 0; n1 < colKernel; n1++) {
              const slotAt = outRow + (<usize>(n0 * colKernel + n1) << 2);
              if (n0 >= c0 || n1 >= c1) {
                store<f32>(slotAt, masked);
                continue;
              }
              const bRow = b + <usize>((keyRow + s1 + n1 * colDilation) * heads + h) * rowBytes;
              let dot = f32x4.splat(0);
              for (let c: usize = 0; c < rowBytes; c += 16) {
                dot = f32x4.add(dot, f32x4.mul(v128.load(aRow + c), v128.load(bRow + c)));
              }
              let value = scale * (f32x4.extract_lane(dot, 0) + f32x4.extract_lane(dot, 1) +
                f32x4.extract_lane(dot, 2) + f32x4.extract_lane(dot, 3));
              if (rpb != 0) {
                value += load<f32>(rpb + (<usize>((h * biasRows + pb0 + n0) * biasCols + pb1 + n1) << 2));
              }
              store<f32>(slotAt, value);
            }
          }
        }
      }
    }
  }
}
