// SPDX-License-Identifier: MIT
// What every NA WebGPU program shares: one uniform block (sizes only, so one pipeline serves every shape),
// the per-axis window rules in WGSL, loaders for the heads-last token tensors and the program boilerplate.
// Programs are 3-D (axes planes, rows, cols): 2-D calls are 3-D calls with one plane and a flat plane window.
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import type { AxisGeometry, NAProblem } from '../../geometry.js';

/** Uniform fields after tfjs's own (shapes, strides, size); the order must match `naUniformData`. */
export const NA_UNIFORMS =
  'spatial : vec3<i32>, kernel : vec3<i32>, dilation : vec3<i32>, stride : vec3<i32>, biasSize : vec3<i32>, ' +
  'tile : vec2<i32>, tilesPerGroup : vec2<i32>, batch : i32, heads : i32, kvHeads : i32, headDim : i32, slots : i32, ' +
  'bands : i32, unionCols : i32, scale : f32, maskValue : f32,';

export type ProgramUniforms = Array<{ type: 'int32' | 'float32'; data: number[] }>;

/** Causal flags of the three axes (planes, rows, cols): structure, so baked into each shader. */
export type CausalFlags = readonly [boolean, boolean, boolean];

/** The workgroup tile of the tiled programs, in dilation-group coordinates; T0 * T1 = TILE_THREADS. */
export const TILE_THREADS = 64;

export interface TileShape {
  tile: [number, number];
  tilesPerGroup: [number, number];
  bands: number;
  unionCols: number;
}

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/**
 * Most group positions a tile's windows span on an axis, over all tiles of `tile` positions (tiles start at
 * multiples of `tile` in each dilation group). Window starts never decrease, so a tile spans from its first
 * query's start to its last query's start plus the kernel. At stride 1 that is tile + k - 1 inside the map; a
 * tile of whole stride groups spans tile - stride + k (each group's shared window is loaded once).
 */
function tileSpan(tile: number, a: AxisGeometry): number {
  let span = 0;
  for (let g = 0; g < Math.min(a.dilation, a.length); g++) {
    const lg = Math.ceil((a.length - g) / a.dilation);
    const startOf = (ig: number) => (a.start[ig * a.dilation + g]! - g) / a.dilation;
    for (let first = 0; first < lg; first += tile) {
      span = Math.max(span, startOf(Math.min(first + tile, lg) - 1) - startOf(first) + a.kernel);
    }
  }
  return Math.min(span, Math.ceil(a.length / a.dilation));
}

/**
 * Picks the query tile over rows and cols (a workgroup holds one plane). At stride 1: 8x8, or 1x64 for height-1
 * maps. Strided: the tile of whole stride groups (where they fit) that keeps the fewest staged keys per query,
 * counting idle threads as queries, so a workgroup loads each group's shared window once.
 */
export function tileShape(p: NAProblem): TileShape {
  const groupMax = [ceilDiv(p.rows.length, p.rows.dilation), ceilDiv(p.cols.length, p.cols.dilation)] as const;
  const shapeOf = (tile: [number, number]): TileShape => ({
    tile,
    tilesPerGroup: [ceilDiv(groupMax[0], tile[0]), ceilDiv(groupMax[1], tile[1])],
    bands: tileSpan(tile[0], p.rows),
    unionCols: tileSpan(tile[1], p.cols),
  });
  if (p.rows.stride === 1 && p.cols.stride === 1) return shapeOf(groupMax[0] === 1 ? [1, TILE_THREADS] : [8, TILE_THREADS / 8]);
  let best = shapeOf([8, TILE_THREADS / 8]);
  let bestCost = Infinity;
  for (let t0 = 1; t0 <= Math.min(TILE_THREADS, groupMax[0]); t0++) {
    let t1 = Math.floor(TILE_THREADS / t0);
    if (t1 >= p.cols.stride) t1 -= t1 % p.cols.stride;
    const shape = shapeOf([t0, t1]);
    // Work of the tiles covering the map: every thread of a tile walks all of its staged keys.
    const tiles = shape.tilesPerGroup[0] * shape.tilesPerGroup[1];
    const cost = tiles * shape.bands * shape.unionCols;
    if (cost < bestCost) [best, bestCost] = [shape, cost];
  }
  return best;
}

/** Number of workgroups of a tiled program (one per tile, plane, head and batch entry). */
export function tileCount(p: NAProblem, t: TileShape): number {
  const tiles = p.rows.dilation * t.tilesPerGroup[0] * p.cols.dilation * t.tilesPerGroup[1];
  return p.batch * p.heads * p.planes.length * tiles;
}

export function naUniformData(p: NAProblem, scale: number, maskValue: number, t?: TileShape): ProgramUniforms {
  const i = (...data: number[]) => ({ type: 'int32' as const, data });
  const f = (...data: number[]) => ({ type: 'float32' as const, data });
  const axes = [p.planes, p.rows, p.cols];
  return [
    i(...axes.map((a) => a.length)),
    i(...axes.map((a) => a.kernel)),
    i(...axes.map((a) => a.dilation)),
    i(...axes.map((a) => a.stride)),
    i(p.biasPlanes, p.biasRows, p.biasCols),
    i(...(t?.tile ?? [1, 1])),
    i(...(t?.tilesPerGroup ?? [1, 1])),
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

/** What differs between the NA programs; the rest of WebGPUProgram is the same for all of them. */
export interface NAProgramSetup {
  outputShape: number[];
  variableNames: string[];
  /** Components per input buffer (4: bound as array<vec4<f32>>); default 1 each. */
  variableComponents?: number[];
  outputComponent?: number;
  /** Structural key: programs with equal keys share one pipeline. */
  shaderKey: string;
  workgroups: number;
  /** Whether the shader reads `uniforms.size` (tfjs then adds it). */
  size?: boolean;
}

/** The boilerplate every NA program shares; subclasses write `getUserCode`. */
export abstract class NAProgram implements WebGPUProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: WebGPUProgram['dispatchLayout'];
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [TILE_THREADS, 1, 1];
  variableComponents: number[];
  outputComponent: number;
  uniforms = NA_UNIFORMS;
  size: boolean;

  constructor(s: NAProgramSetup) {
    this.outputShape = s.outputShape;
    this.variableNames = s.variableNames;
    this.variableComponents = s.variableComponents ?? s.variableNames.map(() => 1);
    this.outputComponent = s.outputComponent ?? 1;
    this.shaderKey = s.shaderKey;
    this.size = s.size ?? false;
    const flat = flatDispatch(s.workgroups);
    this.dispatchLayout = flat.dispatchLayout;
    this.dispatch = flat.dispatch;
  }

  abstract getUserCode(): string;
}

/** Workgroups of a one-thread-per-item program (TILE_THREADS threads per workgroup). */
export const workgroupsFor = (threads: number): number => Math.ceil(threads / TILE_THREADS);

/**
 * Setup of a program with one thread per (token row, 4 channels) of a `[B, *S, heads, D]` output that reads
 * slot weights (`wBuf`) and token rows (`vBuf`, vec4 when `vec4`).
 */
export function weightedRowsSetup(kind: string, outputShape: number[], causal: CausalFlags, vec4: boolean): NAProgramSetup {
  const rows = outputShape.slice(0, -1).reduce((x, y) => x * y, 1);
  return {
    outputShape,
    variableNames: ['wBuf', 'vBuf'],
    variableComponents: [1, vec4 ? 4 : 1],
    outputComponent: vec4 ? 4 : 1,
    shaderKey: `na${kind}_${causal.join('_')}_${vec4}`,
    workgroups: workgroupsFor(rows * Math.ceil(outputShape[outputShape.length - 1]! / 4)),
  };
}

/**
 * Window rules per axis (NATTEN 0.21's reference mask with stride groups, in dilation-group coordinates;
 * geometry.ts is the host-side twin). Causality is structure, so it is baked in; everything else comes from the
 * uniforms. `biasStart` indexes the bias table relative to the stride-group leader.
 */
function axisRules(a: 0 | 1 | 2, causal: boolean): string {
  const [L, k, d, st] = [`uniforms.spatial[${a}]`, `uniforms.kernel[${a}]`, `uniforms.dilation[${a}]`, `uniforms.stride[${a}]`];
  const leader = causal ? `min((ig / ${st}) * ${st} + ${st} - 1, lg - 1)` : `min((ig / ${st}) * ${st} + ${st} / 2, lg - 1)`;
  const start = causal ? `max(leader${a}(ig, lg) - ${k} + 1, 0)` : `min(max(leader${a}(ig, lg) - ${k} / 2, 0), lg - ${k})`;
  const count = causal ? `ig - s + 1` : k;
  return `
      fn groupLen${a}(g : i32) -> i32 { return (${L} - g + ${d} - 1) / ${d}; }
      fn leader${a}(ig : i32, lg : i32) -> i32 { return ${leader}; }
      fn winStart${a}(ig : i32, lg : i32) -> i32 { return ${start}; }
      fn winCount${a}(ig : i32, s : i32) -> i32 { return ${count}; }
      fn biasStart${a}(ig : i32, lg : i32, s : i32) -> i32 { return s - leader${a}(ig, lg) + ${k} - 1; }`;
}

/**
 * The WGSL every NA program starts with: the axis rules, the query window of a position (`queryWindow`), and
 * offsets into the token, slot and bias tensors. Positions are `vec3<i32>(plane, row, col)`.
 */
export function axisSnippet(causal: CausalFlags): string {
  return `${axisRules(0, causal[0])}${axisRules(1, causal[1])}${axisRules(2, causal[2])}
      // A query's window per axis: dilation group, first key (group coordinates), valid slots, bias offset.
      struct Window { g : vec3<i32>, start : vec3<i32>, count : vec3<i32>, bias : vec3<i32> }
      fn queryWindow(pos : vec3<i32>) -> Window {
        var w : Window;
        w.g = pos % uniforms.dilation;
        let ig = pos / uniforms.dilation;
        let lg = vec3<i32>(groupLen0(w.g.x), groupLen1(w.g.y), groupLen2(w.g.z));
        w.start = vec3<i32>(winStart0(ig.x, lg.x), winStart1(ig.y, lg.y), winStart2(ig.z, lg.z));
        w.count = vec3<i32>(winCount0(ig.x, w.start.x), winCount1(ig.y, w.start.y), winCount2(ig.z, w.start.z));
        w.bias = vec3<i32>(biasStart0(ig.x, lg.x, w.start.x), biasStart1(ig.y, lg.y, w.start.y), biasStart2(ig.z, lg.z, w.start.z));
        return w;
      }
      // Position of the key in slot n of window w.
      fn keyPos(w : Window, n : vec3<i32>) -> vec3<i32> { return (w.start + n) * uniforms.dilation + w.g; }
      fn slotIndex(n : vec3<i32>) -> i32 { return (n.x * uniforms.kernel.y + n.y) * uniforms.kernel.z + n.z; }
      // Element offset in a [heads, 2k0-1, 2k1-1, 2k2-1] bias table of head h, entry r.
      fn biasIndex(h : i32, r : vec3<i32>) -> i32 {
        return ((h * uniforms.biasSize.x + r.x) * uniforms.biasSize.y + r.y) * uniforms.biasSize.z + r.z;
      }
      fn spatialIndex(b : i32, pos : vec3<i32>) -> i32 {
        return ((b * uniforms.spatial.x + pos.x) * uniforms.spatial.y + pos.y) * uniforms.spatial.z + pos.z;
      }
      // Flat spatial index (b * X * Y * Z + ...) back to (b, position).
      fn positionOf(flat : i32) -> vec4<i32> {
        let z = flat % uniforms.spatial.z;
        let rest = flat / uniforms.spatial.z;
        let y = rest % uniforms.spatial.y;
        let rest2 = rest / uniforms.spatial.y;
        return vec4<i32>(rest2 / uniforms.spatial.x, rest2 % uniforms.spatial.x, y, z);
      }
      // Element offset of token (b, pos, head) in a [B, X, Y, Z, heads, D] tensor.
      fn tokenBase(b : i32, pos : vec3<i32>, h : i32) -> i32 {
        return (spatialIndex(b, pos) * uniforms.heads + h) * uniforms.headDim;
      }
      // Element offset of token (b, pos, kv head hk) in a [B, X, Y, Z, kvHeads, D] key/value tensor.
      fn kvRowBase(b : i32, pos : vec3<i32>, hk : i32) -> i32 {
        return (spatialIndex(b, pos) * uniforms.kvHeads + hk) * uniforms.headDim;
      }
      // The key/value row query head h reads (GQA/MQA: heads / kvHeads query heads per kv head).
      fn kvBase(b : i32, pos : vec3<i32>, h : i32) -> i32 {
        return kvRowBase(b, pos, h / (uniforms.heads / uniforms.kvHeads));
      }
      // Element offset of the slot row of token (b, pos, head) in a [B, X, Y, Z, heads, k0*k1*k2] tensor.
      fn slotBase(b : i32, pos : vec3<i32>, h : i32) -> i32 {
        return (spatialIndex(b, pos) * uniforms.heads + h) * uniforms.slots;
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

/** `fn load_out(base, c)`: reads back what the program stored (for outputs accumulated in place). */
export function outputLoader(vec4: boolean): string {
  if (vec4) return 'fn load_out(base : i32, c : i32) -> vec4<f32> { return result[(base >> 2) + c]; }';
  return `fn load_out(base : i32, c : i32) -> vec4<f32> {
      var v = vec4<f32>(0.0);
      for (var j = 0; j < 4; j++) { if (c * 4 + j < uniforms.headDim) { v[j] = result[base + c * 4 + j]; } }
      return v;
    }`;
}

/** Linear workgroup index, undoing tfjs's fold of a long flat dispatch into 2-D/3-D. */
export const WORKGROUP_INDEX =
  'i32(workgroupId.z * numWorkgroups.x * numWorkgroups.y + workgroupId.y * numWorkgroups.x + workgroupId.x)';
