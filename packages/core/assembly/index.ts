// SPDX-License-Identifier: MIT
// The split SIMD NA kernels (QK, AV and their backprops) in one module; it imports the tfjs wasm backend's memory
// and owns none. The fused forward is in fused/index.ts, the fused backward in backward/index.ts.
export { neighborhoodDot } from './na_dot';
export { neighborhoodWeightedSum } from './na_weighted_sum';
export { inverseWeightedSum } from './na_inverse_sum';
