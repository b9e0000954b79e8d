// SPDX-License-Identifier: MIT
// dK and dV: out_x = scale * sum over the queries whose window holds key x (the inverse neighbourhood) of
// w[i, slot] * values_i. `tables` holds rowOffset[H+1], rowQuery[nr], rowSlot[nr], colOffset[W+1],
// colQuery[nc], colSlot[nc] (CSR per axis); `scratch` holds headDim f32 accumulators.

export function inverseWeightedSum(
  weights: usize, values: usize, out: usize, tables: usize, scratch: usize,
  batch: i32, height: i32, width: i32, heads: i32, headDim: i32, colKernel: i32, slots: i32,
  rowEntries: i32, colEntries: i32, scale: f32,
): void {
  const rowOffset = tables;
  const rowQuery = rowOffset + (<usize>(height + 1) << 2);
  const rowSlot = rowQuery + (<usize>rowEntries << 2);
  const colOffset = rowSlot + (<usize>rowEntries << 2);
  const colQuery = colOffset + (<usize>(width + 1) << 2);
  const colSlot = colQuery + (<usize>colEntries << 2);
  const rowBytes = <usize>headDim << 2;
  const splatScale = f32x4.splat(scale);
  for (let bi = 0; bi < batch; bi++) {
    for (let x0 = 0; x0 < height; x0++) {
      const rowFrom = load<i32>(rowOffset + (<usize>x0 << 2));
      const rowTo = load<i32>(rowOffset + (<usize>(x0 + 1) << 2));
      for (let x1 = 0; x1 < width; x1++) {
        const colFrom = load<i32>(colOffset + (<usize>x1 << 2));
        const colTo = load<i32>(colOffset + (<usize>(x1 + 1) << 2));
        const keyPos = (bi * height + x0) * width + x1;
        for (let h = 0; h < heads; h++) {
          memory.fill(scratch, 0, rowBytes);
          for (let r = rowFrom; r < rowTo; r++) {
            const queryRow = (bi * height + load<i32>(rowQuery + (<usize>r << 2))) * width;
            const slotRow = load<i32>(rowSlot + (<usize>r << 2)) * colKernel;
            for (let c = colFrom; c < colTo; c++) {
              const queryPos = queryRow + load<i32>(colQuery + (<usize>c << 2));
              const slot = slotRow + load<i32>(colSlot + (<usize>c << 2));
              const w = f32x4.splat(load<f32>(weights + (<usize>((queryPos * heads + h) * slots + slot) << 2)));
              const vRow = values + <usize>(queryPos * heads + h) * rowBytes;
              for (let ch: usize = 0; ch < rowBytes; ch += 16) {
                v128.store(scratch + ch, f32x4.add(v128.load(scratch + ch), f32x4.mul(w, v128.load(vRow + ch))));
              }
            }
          }
          const outRow = out + <usize>(keyPos * heads + h) * rowBytes;
          for (let ch: usize = 0; ch < rowBytes; ch += 16) {
            v128.store(outRow + ch, f32x4.mul(v128.load(scratch + ch), splatScale));
          }
        }
      }
    }
  }
}
