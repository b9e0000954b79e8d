// SPDX-License-Identifier: MIT
// The fused NA forward tiled by stride group, in a module of its own (each module stays under 4 KB); it imports
// the tfjs wasm backend's memory and owns none.
export { groupedAttention } from '../na_grouped';
