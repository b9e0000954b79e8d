// SPDX-License-Identifier: MIT
// What every NA WebGPU program shares: one uniform block (sizes only, so one pipeline serves every shape),
// the per-axis window rules in WGSL, and loaders for the heads-last token tensors.
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import type { NAProblem } from '../../geometry.js';

/** Uniform fields after tfjs's own (shapes, strides, size); the order must match `naUniformData`. */
export const NA_UNIFORMS =
  'spatial : vec2<i32>, kernel : vec2<i32>, dilation : vec2<i32>, stride : vec2<i32>, tile : vec2<i32>, ' +
  'tilesPerGroup : vec2<i32>, biasSize : vec2<i32>, batch : i32, heads : i32, kvHeads : i32, headDim : i32, slots : i32, ' +
  'bands : i32, unionCols : i32, scale : f32, maskValue : f32,';

export type ProgramUniforms = Array<{ type: 'int32' | 'float32'; data: number[] }>;

/** The workgroup tile of the tiled programs, in dilation-group coordinates; T0 * T1 = TILE_THREADS. */
export const TILE_THREADS = 64;

export interface TileShape {
  tile: [number, number];
  tilesPerGroup: [number, number];
  bands: number;
  unionCols: number;
}

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/** Picks the query tile: 8x8 for 2-D maps, 1x64 for height-1 (1-D) problems. */
export function tileShape(p: NAProblem): TileShape {
  const groupMax = [ceilDiv(p.rows.length, p.rows.dilation), ceilDiv(p.cols.length, p.cols.dilation)] as const;
  const tile: [number, number] = groupMax[0] === 1 ? [1, TILE_THREADS] : [8, TILE_THREADS / 8];
  return {
    tile,
    tilesPerGroup: [ceilDiv(groupMax[0], tile[0]), ceilDiv(groupMax[1], tile[1])],
    // A tile's windows cover at most T + k - 1 consecutive group positions per axis.
    bands: Math.min(tile[0] + p.rows.kernel - 1, groupMax[0]),
    unionCols: Math.min(tile[1] + p.cols.kernel - 1, groupMax[1]),
  };
}

/** Number of workgroups of a tiled program (one per tile, head and batch entry). */
export function tileCount(p: NAProblem, t: TileShape): number {
  return p.batch * p.heads * p.rows.dilation * t.tilesPerGroup[0] * p.cols.dilation * t.tilesPerGroup[1];
}

export function naUniformData(p: NAProblem, scale: number, maskValue: number, t?: TileShape): ProgramUniforms {
  const i = (...data: number[]) => ({ type: 'int32' as const, data });
  const f = (...data: number[]) => ({ type: 'float32' as const, data });
  const [r, c] = [p.rows, p.cols];
  return [
    i(r.length, c.length),
    i(r.kernel, c.kernel),
    i(r.dilation, c.dilation),
    i(r.stride, c.stride),
    i(...(t?.tile ?? [1, 1])),
    i(...(t?.tilesPerGroup ?? [1, 1])),
    i(p.biasRows, p.biasCols),
    i(p.batch),
    i(p.heads),
    i(p.kvHeads),
    i(p.headDim),
    i(p.slots),
    i(t?.bands ?? 0),
    i(t?.unionCols ?? 0),
    f(scale),
    f(maskValue),
  ];
}

/** Flat dispatch of `workgroups` workgroups; tfjs folds it into 2-D/3-D past the per-dimension limit. */
export function flatDispatch(workgroups: number): Pick<WebGPUProgram, 'dispatch' | 'dispatchLayout'> {
  return { dispatchLayout: { x: [0] }, dispatch: [Math.max(1, workgroups), 1, 1] };
}

/**
 * Window rules per axis (NATTEN 0.21's reference mask with stride groups, in dilation-group coordinates;
 * geometry.ts is the host-side twin). Causality is structure, so it is baked in; everything else comes from the
 * uniforms. `biasStart` indexes the bias table relative to the stride-group leader.
 */
export function axisSnippet(causal: readonly [boolean, boolean]): string {
  const axis = (a: 0 | 1) => {
    const [L, k, d, st] = [`uniforms.spatial[${a}]`, `uniforms.kernel[${a}]`, `uniforms.dilation[${a}]`, `uniforms.stride[${a}]`];
    const leader = causal[a] ? `min((ig / ${st}) * ${st} + ${st} - 1, lg - 1)` : `min((ig / ${st}) * ${st} + ${st} / 2, lg - 1)`;
    const start = causal[a] ? `max(leader${a}(ig, lg) - ${k} + 1, 0)` : `min(max(leader${a}(ig, lg) - ${k} / 2, 0), lg - ${k})`;
    const count = causal[a] ? `ig - s + 1` : k;
    return `
      fn groupLen${a}(g : i32) -> i32 { return (${L} - g + ${d} - 1) / ${d}; }
      fn leader${a}(ig : i32, lg : i32) -> i32 { return ${leader}; }
      fn winStart${a}(ig : i32, lg : i32) -> i32 { return ${start}; }
      fn winCount${a}(ig : i32, s : i32) -> i32 { return ${count}; }
      fn biasStart${a}(ig : i32, lg : i32, s : i32) -> i32 { return s - leader${a}(ig, lg) + ${k} - 1; }`;
  };
  return `${axis(0)}\n${axis(1)}
      // Element offset of token (b, y, x, head) in a [B, H, W, heads, D] tensor.
      fn tokenBase(b : i32, y : i32, x : i32, h : i32) -> i32 {
        return (((b * uniforms.spatial[0] + y) * uniforms.spatial[1] + x) * uniforms.heads + h) * uniforms.headDim;
      }
      // Element offset of token (b, y, x, kv head hk) in a [B, H, W, kvHeads, D] key/value tensor.
      fn kvRowBase(b : i32, y : i32, x : i32, hk : i32) -> i32 {
        return (((b * uniforms.spatial[0] + y) * uniforms.spatial[1] + x) * uniforms.kvHeads + hk) * uniforms.headDim;
      }
      // The key/value row query head h reads (GQA/MQA: heads / kvHeads query heads per kv head).
      fn kvBase(b : i32, y : i32, x : i32, h : i32) -> i32 {
        return kvRowBase(b, y, x, h / (uniforms.heads / uniforms.kvHeads));
      }
      // Element offset of the slot row of token (b, y, x, head) in a [B, H, W, heads, k0*k1] tensor.
      fn slotBase(b : i32, y : i32, x : i32, h : i32) -> i32 {
        return (((b * uniforms.spatial[0] + y) * uniforms.spatial[1] + x) * uniforms.heads + h) * uniforms.slots;
      }`;
}

/**
 * `fn load_<name>(base, c) -> vec4<f32>`: channels 4c..4c+3 of the token row at element offset `base`,
 * zero past headDim. With `vec4` the buffer is bound as array<vec4<f32>> (headDim % 4 == 0).
 */
export function tokenLoader(name: string, vec4: boolean): string {
  if (vec4) return `fn load_${name}(base : i32, c : i32) -> vec4<f32> { return ${name}[(base >> 2) + c]; }`;
  return `fn load_${name}(base : i32, c : i32) -> vec4<f32> {
      var v = vec4<f32>(0.0);
      for (var j = 0; j < 4; j++) {
        let ch = c * 4 + j;
        if (ch < uniforms.headDim) { v[j] = ${name}[base + ch]; }
      }
      return v;
    }`;
}

/** `fn store_out(base, c, v)`: the counterpart of `tokenLoader` for the program's output. */
export function tokenStorer(vec4: boolean): string {
  if (vec4) return 'fn store_out(base : i32, c : i32, v : vec4<f32>) { result[(base >> 2) + c] = v; }';
  return `fn store_out(base : i32, c : i32, v : vec4<f32>) {
      for (var j = 0; j < 4; j++) {
        let ch = c * 4 + j;
        if (ch < uniforms.headDim) { result[base + ch] = v[j]; }
      }
    }`;
}

/** Linear workgroup index, undoing tfjs's fold of a long flat dispatch into 2-D/3-D. */
export const WORKGROUP_INDEX =
  'i32(workgroupId.z * numWorkgroups.x * numWorkgroups.y + workgroupId.y * numWorkgroups.x + workgroupId.x)';
