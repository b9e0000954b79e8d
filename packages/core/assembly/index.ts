// SPDX-License-Identifier: MIT
// One module with every SIMD NA kernel; it imports the tfjs wasm backend's memory and owns none.
export { fusedAttention } from './na_fused';
export { neighborhoodDot } from './na_dot';
export { neighborhoodWeightedSum } from './na_weighted_sum';
export { inverseWeightedSum } from './na_inverse_sum';
