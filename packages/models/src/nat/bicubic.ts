// SPDX-License-Identifier: MIT
// Bicubic resize of stacked 2-D tables as PyTorch's `F.interpolate(mode='bicubic', align_corners=False)` does
// it: cubic convolution with A = -0.75, source coordinate `(i + 0.5) * in/out - 0.5`, borders clamped.

const A = -0.75;

function cubicWeights(t: number): [number, number, number, number] {
  const near = (x: number) => ((A + 2) * x - (A + 3)) * x * x + 1;
  const far = (x: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return [far(t + 1), near(t), near(1 - t), far(2 - t)];
}

/** For each output index: the four source indices (clamped) and their weights. */
function axisTaps(from: number, to: number): { index: number[]; weight: number[] }[] {
  const scale = from / to;
  return Array.from({ length: to }, (_, i) => {
    const src = (i + 0.5) * scale - 0.5;
    const base = Math.floor(src);
    const weight = cubicWeights(src - base);
    const index = [-1, 0, 1, 2].map((o) => Math.min(Math.max(base + o, 0), from - 1));
    return { index, weight };
  });
}

/** `[count, from0, from1]` -> `[count, to0, to1]`. */
export function resizeBicubic(data: Float32Array, count: number, from: [number, number], to: [number, number]): Float32Array {
  const rows = axisTaps(from[0], to[0]);
  const cols = axisTaps(from[1], to[1]);
  const out = new Float32Array(count * to[0] * to[1]);
  for (let n = 0; n < count; n++) {
    const src = n * from[0] * from[1];
    for (let y = 0; y < to[0]; y++) {
      const row = rows[y]!;
      for (let x = 0; x < to[1]; x++) {
        const col = cols[x]!;
        let sum = 0;
        for (let i = 0; i < 4; i++) {
          let line = 0;
          for (let j = 0; j < 4; j++) line += col.weight[j]! * data[src + row.index[i]! * from[1] + col.index[j]!]!;
          sum += row.weight[i]! * line;
        }
        out[(n * to[0] + y) * to[1] + x] = sum;
      }
    }
  }
  return out;
}
