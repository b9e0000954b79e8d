// SPDX-License-Identifier: MIT
// @natzoo/core/advanced: everything @natzoo/core exports plus the pieces behind the op, for code that builds on
// it (the model package, tests, benchmarks): the portable composite ops, the per-axis window geometry, the kernel
// input types, and weight initialisers seeded from the random source.
export * from './index.js';
export { compositeAV, compositeAttention, compositeQK } from './composite/composite_ops.js';
export { compositeGelu } from './ops/gelu.js';
export { compositeLayerNorm } from './ops/layer_norm.js';
export { runsFusedKernel } from './fused_kernels.js';
export { wasmKernelMemory } from './kernels/wasm/simd_module.js';
export { compositeSelfAttention } from './composite/self_attention_composite.js';
export { selfAttentionUsesKernel } from './ops/self_attention.js';
export { makeProblem } from './geometry.js';
export type { NAProblem } from './geometry.js';
export { linearInit, seededGlorotUniform, seededHeNormal, seededTruncatedNormal } from './seeded_initializers.js';
export type {
  NAAVBackpropAttnInputs, NAAVBackpropValueInputs, NAAVInputs, NAFusedBackpropInputs, NAFusedInputs, NALogSumExpInputs, NAQKBackpropKeyInputs,
  NAQKBackpropQueryInputs, NAQKBackpropRpbInputs, NAQKInputs, GeluErfInputs, LayerNormAttrs, LayerNormInputs, SelfAttentionAttrs,
  SelfAttentionInputs,
} from './kernel_names.js';
export { declareNAKernelSupport, hasFusedBackward, naKernelsSupport } from './implementation.js';
export type { NAKernelSupport } from './implementation.js';
