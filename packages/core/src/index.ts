// SPDX-License-Identifier: MIT
// @natzoo/core: neighborhood attention for TensorFlow.js. Importing this module registers the NA kernels for
// the cpu and wasm backends and the gradients; the webgl/tensorflow backends run the portable composite.
// The union package: in Node it is the only build that registers tfjs's own gradients (softmax, reshape, ...).
import '@tensorflow/tfjs';
import { registerNAGradients } from './gradients/register.js';
import { registerCpuKernels } from './kernels/cpu/register.js';
import { registerWasmKernels } from './kernels/wasm/register.js';

registerCpuKernels();
registerWasmKernels();
registerNAGradients();

export { na1dQK, na2dQK, na3dQK } from './ops/na_qk.js';
export { na1dAV, na2dAV, na3dAV } from './ops/na_av.js';
export { na1d, na2d, na3d } from './ops/na_attention.js';
export { gelu } from './ops/gelu.js';
export { layerNorm } from './ops/layer_norm.js';
export { linear, linearSplit } from './ops/linear.js';
export { paddedConv2d } from './ops/padded_conv2d.js';
export type { PaddedConv2DOptions } from './ops/padded_conv2d.js';
export { selfAttention } from './ops/self_attention.js';
export type { SelfAttentionOptions } from './ops/self_attention.js';
export { activeNABackward, activeNAImplementation, setNABackward, setNAImplementation } from './implementation.js';
export type { NABackward, NAImplementation } from './implementation.js';
export { setBestBackend } from './backend_select.js';
export type { NodeBackendName } from './backend_select.js';
export { NAArgumentError } from './na_args.js';
export { ArgumentError } from './argument_error.js';
export { WasmKernelError } from './kernels/wasm/wasm_kernel_error.js';
export { WasmHeapError } from './kernels/wasm/wasm_heap_error.js';
export type { WasmHeapRemedy, WasmHeapStep } from './kernels/wasm/wasm_heap_error.js';
export { buildAxisGeometry } from './geometry.js';
export type { AxisGeometry } from './geometry.js';
export type { NAAVOptions, NAKernelAttrs, NAOptions, NAQKOptions, PerAxis, SpatialRank } from './na_args.js';
export {
  FusedSelfAttention, NeighborhoodAttentionAV, NeighborhoodAttentionAVBackpropAttn, NeighborhoodAttentionAVBackpropValue, NeighborhoodAttentionFused,
  NeighborhoodAttentionFusedBackpropKey, NeighborhoodAttentionFusedBackpropQuery, NeighborhoodAttentionFusedBackpropRpb,
  NeighborhoodAttentionFusedBackpropValue, NeighborhoodAttentionLogSumExp, NeighborhoodAttentionQK, NeighborhoodAttentionQKBackpropKey,
  NeighborhoodAttentionQKBackpropQuery, NeighborhoodAttentionQKBackpropRpb, GeluErf, LayerNormLastAxis, Linear, PaddedConv2D,
} from './kernel_names.js';
export { NeighborhoodAttention1D, NeighborhoodAttention2D, NeighborhoodAttention3D, type NeighborhoodAttention1DArgs, type NeighborhoodAttention2DArgs, type NeighborhoodAttention3DArgs, type NeighborhoodAttentionArgs } from './layers/neighborhood_attention.js';
export { activeRandomSource, randomSeed, setRandomSource, withRandomSource, type RandomSource, type SampleRange } from './random_source.js';
export { batchDropout, batchRandomUniform } from './batch_noise.js';
