// SPDX-License-Identifier: MIT
// The fused forward's log-sum-exp as a second output (withLogSumExp, for the fused backward). A tfjs program
// writes one buffer, so the fused program then writes packed rows [out (D) | lse, padding] and two gather
// programs split them: far cheaper than the second pass over every window the backward would otherwise run.
import { NAProgram, workgroupsFor } from './na_program.js';

/** Elements after each packed row's D outputs: the lse, padded to a whole vec4 when rows are stored as vec4. */
export const lsePadding = (vec4: boolean): number => (vec4 ? 4 : 1);

/**
 * WGSL of a fused program's output rows: `outRowBase(b, pos, h)`, the element offset of the row of query
 * (b, pos, head h), and `store_lse(base, value)`. Without `withLse` rows are plain `[.., heads, D]` tokens.
 */
export function fusedOutputSnippet(withLse: boolean, vec4: boolean): string {
  const pad = withLse ? lsePadding(vec4) : 0;
  const store = vec4
    ? 'result[(base + uniforms.headDim) >> 2] = vec4<f32>(value, 0.0, 0.0, 0.0);'
    : 'result[base + uniforms.headDim] = value;';
  return `
      fn outRowBase(b : i32, pos : vec3<i32>, h : i32) -> i32 {
        return (spatialIndex(b, pos) * uniforms.heads + h) * (uniforms.headDim + ${pad});
      }
      fn store_lse(base : i32, value : f32) { ${withLse ? store : ''} }`;
}

/** The packed output shape `[B, *S, heads, D + padding]` of a fused program writing the lse. */
export const packedShape = (outShape: number[], vec4: boolean): number[] => [
  ...outShape.slice(0, -1),
  outShape[outShape.length - 1]! + lsePadding(vec4),
];

/** Gathers `out` (`part` 'out', `[B, *S, heads, D]`) or `lse` ('lse', `[B, *S, heads]`) from packed rows. */
export class PackedRowsProgram extends NAProgram {
  constructor(
    outputShape: number[],
    private readonly part: 'out' | 'lse',
    private readonly vec4: boolean,
  ) {
    const unit = part === 'out' && vec4 ? 4 : 1;
    super({
      outputShape,
      variableNames: ['packed'],
      variableComponents: [unit],
      outputComponent: unit,
      shaderKey: `naPackedRows_${part}_${vec4}`,
      workgroups: workgroupsFor(outputShape.reduce((x, y) => x * y, 1) / unit),
    });
  }

  getUserCode(): string {
    const pad = lsePadding(this.vec4);
    // In units of the bound buffers: values per output row, packed row width, offset of the part in a row.
    const [count, width, offset] =
      this.part === 'lse'
        ? ['1', `uniforms.headDim + ${pad}`, 'uniforms.headDim']
        : this.vec4
          ? ['uniforms.headDim / 4', 'uniforms.headDim / 4 + 1', '0']
          : ['uniforms.headDim', 'uniforms.headDim + 1', '0'];
    return `
      fn main(index : i32) {
        let count = ${count};
        if (index >= uniforms.batch * uniforms.spatial.x * uniforms.spatial.y * uniforms.spatial.z * uniforms.heads * count) { return; }
        result[index] = packed[(index / count) * (${width}) + ${offset} + index % count];
      }`;
  }
}
