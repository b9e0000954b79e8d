// SPDX-License-Identifier: MIT
// The fused backward kernels (attention recomputed from the log-sum-exp) in their own module, so that each
// module stays under the 4 KB a browser main thread compiles synchronously.
export { logSumExp, backpropQuery } from './query_side';
export { backpropKeyValue } from './key_side';
