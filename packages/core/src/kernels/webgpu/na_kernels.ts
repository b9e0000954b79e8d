// SPDX-License-Identifier: MIT
// The NA kernels on the `webgpu` backend (split, fused and the fused backward): each picks a program, its
// structural variant (causal flags, bias, vec4 loads, tiled or not) and the size uniforms. Shapes and problems
// come from the shared kernel table.
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { util } from '@tensorflow/tfjs-core';
import type { NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { NAProblem } from '../../geometry.js';
import * as names from '../../kernel_names.js';
import type { NAKernelAttrs } from '../../na_args.js';
import { naKernelSpecs, problemFor } from '../kernel_specs.js';
import { BiasGradPartialProgram } from './bias_grad_partial_program.js';
import { BiasGradReduceProgram } from './bias_grad_reduce_program.js';
import { FusedBackpropKeyValueProgram, FusedBackpropQueryProgram, LogSumExpProgram } from './fused_backward_programs.js';
import type { FusedBackwardShape } from './fused_backward_programs.js';
import { PackedRowsProgram } from './fused_lse_output.js';
import { InverseProgram } from './inverse_program.js';
import { naUniformData, tileShape } from './na_program.js';
import type { CausalFlags, TileShape } from './na_program.js';
import { SimpleAVProgram } from './simple_av_program.js';
import { SimpleFusedProgram } from './simple_fused_program.js';
import { SimpleQKProgram } from './simple_qk_program.js';
import { TiledAVProgram } from './tiled_av_program.js';
import { TiledFusedProgram } from './tiled_fused_program.js';
import { TiledQKProgram } from './tiled_qk_program.js';
import { channelBucket, stageCapacity, tiledFits } from './tiled_common.js';
import type { TiledSetup } from './tiled_common.js';

export type WebGPUTiling = 'auto' | 'simple' | 'tiled';
let tiling: WebGPUTiling = 'auto';

/**
 * Chooses between the workgroup-tiled programs (QK, AV, fused, and dQuery/dAttn through them) and the
 * one-thread-per-output programs. `'tiled'` tiles whenever the head dim is <= 128 and uses the per-output
 * programs above that; `'auto'` (default) does the same except for strided calls whose tiles would stage more than
 * 5 keys per window key (small windows: 3-D k3); `'simple'` always uses the per-output ones (for tests and benchmarks).
 */
export function setWebGPUTiling(mode: WebGPUTiling): void {
  if (mode !== 'auto' && mode !== 'simple' && mode !== 'tiled') {
    throw new Error(`setWebGPUTiling: mode must be 'auto', 'simple' or 'tiled'; got ${String(mode)}`);
  }
  tiling = mode;
}

interface Call {
  backend: WebGPUBackend;
  inputs: NamedTensorInfoMap;
  attrs: NAKernelAttrs;
  problem: NAProblem;
  outShape: number[];
  /** Causal flags of the three axes (planes, rows, cols); 2-D calls have a flat, non-causal plane axis. */
  causal: CausalFlags;
}

/**
 * The calls these programs implement: 3-D, 2-D (and 1-D, lifted to 2-D) problems, with GQA/MQA and stride.
 */
export function webgpuSupports(attrs: NAKernelAttrs): boolean {
  return attrs.kernelSize.length === 2 || attrs.kernelSize.length === 3;
}

const present = (t: TensorInfo | undefined): t is TensorInfo => t != null && util.sizeFromShape(t.shape) > 0;

/** The tiled variant's setup, or null for the one-thread-per-output programs. */
function tiled(c: Call, stagedTensors: number): TiledSetup | null {
  const D = c.problem.headDim;
  if (tiling === 'simple' || !tiledFits(D)) return null;
  const tile = tileShape(c.problem);
  if (tiling === 'auto' && stridedTilesLose(c.problem, tile)) return null;
  const storage = c.backend.device.limits.maxComputeWorkgroupStorageSize;
  return {
    vec4: D % 4 === 0,
    db4: channelBucket(D),
    stageVec4: stageCapacity(storage, stagedTensors),
    problem: c.problem,
    tile,
  };
}

/**
 * Every thread of a tile walks all of the tile's staged keys of a plane, so a strided call whose tile stages
 * many more keys than one window holds runs faster on the per-output programs. Measured on lavapipe
 * (scripts/bench_na_webgpu_stride_ab.mjs): tiles won at up to 4.8 staged keys per window key (3-D k5 stride 2)
 * and lost from 5.3 (3-D k3 stride 3: 0.73x forward).
 */
function stridedTilesLose(p: NAProblem, tile: TileShape): boolean {
  const strided = p.planes.stride > 1 || p.rows.stride > 1 || p.cols.stride > 1;
  return strided && tile.bands * tile.unionCols > 5 * p.rows.kernel * p.cols.kernel;
}

type Program = WebGPUProgram;

function run(c: Call, program: Program, inputs: TensorInfo[], scale: number, mask: number, t?: TiledSetup | null) {
  return c.backend.runWebGPUProgram(program, inputs, 'float32', naUniformData(c.problem, scale, mask, t?.tile));
}

/** logits = scale * a.b + rpb (masked -inf), or AV's dAttn = dOut.v (masked 0). */
function neighborhoodDot(c: Call, a: TensorInfo, b: TensorInfo, bias: TensorInfo | undefined, scale: number, mask = 0) {
  const inputs = present(bias) ? [a, b, bias] : [a, b];
  const t = tiled(c, 1);
  const program = t
    ? new TiledQKProgram(c.outShape, c.causal, present(bias), t)
    : new SimpleQKProgram(c.outShape, c.causal, present(bias));
  return run(c, program, inputs, scale, mask, t);
}

/** out = scale * sum_slot w * v: AV, and QK's dQuery. */
function neighborhoodSum(c: Call, w: TensorInfo, v: TensorInfo, scale: number) {
  const t = tiled(c, 1);
  const program = t
    ? new TiledAVProgram(c.outShape, c.causal, t)
    : new SimpleAVProgram(c.outShape, c.causal, c.problem.headDim % 4 === 0);
  return run(c, program, [w, v], scale, 0, t);
}

/** out_x = scale * sum over the queries that see key x: QK's dKey and AV's dValue. */
function inverseSum(c: Call, w: TensorInfo, v: TensorInfo, scale: number) {
  const program = new InverseProgram(c.outShape, c.causal, c.problem.headDim % 4 === 0);
  return run(c, program, [w, v], scale, 0);
}

/** out, or [out, lse] with `withLogSumExp` (packed rows split by two gathers, see fused_lse_output.ts). */
function fused(c: Call): TensorInfo | TensorInfo[] {
  const { query, key, value, rpb } = c.inputs as Record<string, TensorInfo>;
  const hasBias = present(rpb);
  const withLse = c.attrs.withLogSumExp === true;
  const vec4 = c.problem.headDim % 4 === 0;
  const inputs = hasBias ? [query!, key!, value!, rpb] : [query!, key!, value!];
  const t = tiled(c, 2);
  const program = t
    ? new TiledFusedProgram(c.outShape, c.causal, hasBias, t, withLse)
    : new SimpleFusedProgram(c.outShape, c.causal, hasBias, vec4, withLse);
  const result = run(c, program, inputs, c.attrs.scale, 0, t);
  if (!withLse) return result;
  try {
    const out = run(c, new PackedRowsProgram(c.outShape, 'out', vec4), [result], 1, 0);
    return [out, run(c, new PackedRowsProgram(c.outShape.slice(0, -1), 'lse', vec4), [result], 1, 0)];
  } finally {
    c.backend.disposeData(result.dataId);
  }
}

/** Structure and inputs of the fused backward programs (q, k, v, lse, delta, dOut, then rpb when present). */
function fusedBackward(c: Call): { shape: FusedBackwardShape; inputs: TensorInfo[] } {
  const x = c.inputs as Record<string, TensorInfo>;
  const hasBias = present(x.rpb);
  const inputs = [x.query!, x.key!, x.value!, x.lse!, x.delta!, x.dOut!, ...(hasBias ? [x.rpb!] : [])];
  return { shape: { vec4: c.problem.headDim % 4 === 0, hasBias }, inputs };
}

function logSumExp(c: Call) {
  const { query, key, rpb } = c.inputs as Record<string, TensorInfo>;
  const hasBias = present(rpb);
  const program = new LogSumExpProgram(c.outShape, c.causal, { vec4: c.problem.headDim % 4 === 0, hasBias });
  return run(c, program, hasBias ? [query!, key!, rpb] : [query!, key!], c.attrs.scale, 0);
}

function fusedBackpropQuery(c: Call) {
  const { shape, inputs } = fusedBackward(c);
  return run(c, new FusedBackpropQueryProgram(c.outShape, c.causal, shape), inputs, c.attrs.scale, 0);
}

function fusedBackpropKeyValue(c: Call, value: boolean) {
  const { shape, inputs } = fusedBackward(c);
  return run(c, new FusedBackpropKeyValueProgram(c.outShape, c.causal, shape, value), inputs, c.attrs.scale, 0);
}

/** drpb from stored dLogits (split backward) or, with `fused`, from the fused backward's inputs. */
function biasGradient(c: Call, fused = false) {
  const p = c.problem;
  const partialShape = [p.batch * p.planes.length * p.rows.length, ...c.outShape];
  const source = fused ? fusedBackward(c) : { shape: null, inputs: [c.inputs.dLogits!] };
  const partial = run(c, new BiasGradPartialProgram(partialShape, c.causal, source.shape), source.inputs, c.attrs.scale, 0);
  try {
    return run(c, new BiasGradReduceProgram(c.outShape), [partial], 1, 0);
  } finally {
    c.backend.disposeData(partial.dataId);
  }
}

type Runner = (c: Call) => TensorInfo | TensorInfo[];
const i = (c: Call, name: string) => c.inputs[name]!;

const runners: Record<string, Runner> = {
  [names.NeighborhoodAttentionQK]: (c) =>
    neighborhoodDot(c, i(c, 'query'), i(c, 'key'), c.inputs.rpb, c.attrs.scale, -Infinity),
  [names.NeighborhoodAttentionAVBackpropAttn]: (c) => neighborhoodDot(c, i(c, 'dOut'), i(c, 'value'), undefined, 1),
  [names.NeighborhoodAttentionAV]: (c) => neighborhoodSum(c, i(c, 'attn'), i(c, 'value'), 1),
  [names.NeighborhoodAttentionQKBackpropQuery]: (c) => neighborhoodSum(c, i(c, 'dLogits'), i(c, 'key'), c.attrs.scale),
  [names.NeighborhoodAttentionQKBackpropKey]: (c) => inverseSum(c, i(c, 'dLogits'), i(c, 'query'), c.attrs.scale),
  [names.NeighborhoodAttentionAVBackpropValue]: (c) => inverseSum(c, i(c, 'attn'), i(c, 'dOut'), 1),
  [names.NeighborhoodAttentionFused]: fused,
  [names.NeighborhoodAttentionQKBackpropRpb]: (c) => biasGradient(c),
  [names.NeighborhoodAttentionLogSumExp]: logSumExp,
  [names.NeighborhoodAttentionFusedBackpropQuery]: fusedBackpropQuery,
  [names.NeighborhoodAttentionFusedBackpropKey]: (c) => fusedBackpropKeyValue(c, false),
  [names.NeighborhoodAttentionFusedBackpropValue]: (c) => fusedBackpropKeyValue(c, true),
  [names.NeighborhoodAttentionFusedBackpropRpb]: (c) => biasGradient(c, true),
};

/** Runs NA kernel `kernelName` on the webgpu backend. */
export function runNAKernel(
  kernelName: string,
  backend: WebGPUBackend,
  inputs: NamedTensorInfoMap,
  attrs: NAKernelAttrs,
): TensorInfo | TensorInfo[] {
  const spec = naKernelSpecs.find((s) => s.kernelName === kernelName);
  const runner = runners[kernelName];
  if (spec === undefined || runner === undefined) throw new Error(`NA webgpu: no kernel '${kernelName}'`);
  const shapes: Record<string, number[]> = {};
  for (const name of spec.inputs) if (present(inputs[name])) shapes[name] = inputs[name]!.shape;
  const outShape = spec.outputShape(shapes, attrs);
  if (util.sizeFromShape(outShape) === 0) {
    const empty = backend.makeTensorInfo(outShape, 'float32');
    const secondShape = spec.secondOutputShape?.(shapes, attrs) ?? null;
    return secondShape === null ? empty : [empty, backend.makeTensorInfo(secondShape, 'float32')];
  }
  if (!webgpuSupports(attrs)) throw new Error(`NA webgpu: '${kernelName}' implements 1-D, 2-D and 3-D calls only`);
  const flags = attrs.isCausal.length === 2 ? [false, ...attrs.isCausal] : attrs.isCausal;
  const causal: CausalFlags = [flags[0]!, flags[1]!, flags[2]!];
  return runner({ backend, inputs, attrs, problem: problemFor(spec, shapes, attrs), outShape, causal });
}
