// SPDX-License-Identifier: MIT
// The three implementations scripts/bench_na.mjs compares, on the same q/k/v tensors: na2d with the backend's
// kernels, na2d forced onto the portable composite, and dense (global) self-attention from matMul + softmax.
import * as tf from '@tensorflow/tfjs';
import * as na from '@natzoo/core';

export const IMPLS = /** @type {const} */ (['na2d', 'composite', 'dense']);
export const PASSES = /** @type {const} */ (['fwd', 'fwd+bwd']);
export const KERNEL = 7;

/**
 * @typedef {object} Problem
 * @property {number} size   H = W
 * @property {number} channels
 * @property {number} heads
 * @property {number} batch
 * @property {number} dilation
 */

/**
 * @typedef {object} Inputs
 * @property {tf.Tensor5D} q @property {tf.Tensor5D} k @property {tf.Tensor5D} v `[B, H, W, heads, D]`
 * @property {tf.Tensor3D} rpb `[heads, 2k-1, 2k-1]`
 */

/** @param {Problem} p */
export function headDim(p) {
  return p.channels / p.heads;
}

/** Bytes of q, k, v and the output together: the reference for the peak-memory ratio. */
export function ioBytes(/** @type {Problem} */ p) {
  return 4 * p.batch * p.size * p.size * p.channels * 4;
}

/** Bytes of dense attention's `[B*heads, N, N]` logits. */
export function denseLogitsBytes(/** @type {Problem} */ p) {
  const n = p.size * p.size;
  return p.batch * p.heads * n * n * 4;
}

/** A size proxy for extrapolating run time: NA is linear in tokens, dense quadratic. */
export function workOf(/** @type {Problem} */ p, /** @type {string} */ impl) {
  const tokens = p.batch * p.size * p.size;
  return impl === 'dense' ? tokens * p.size * p.size * p.channels : tokens * p.channels;
}

/** @param {Problem} p @returns {Inputs} */
export function makeInputs(p) {
  const shape = /** @type {[number, number, number, number, number]} */ ([p.batch, p.size, p.size, p.heads, headDim(p)]);
  return tf.tidy(() => ({
    q: /** @type {tf.Tensor5D} */ (tf.randomNormal(shape)),
    k: /** @type {tf.Tensor5D} */ (tf.randomNormal(shape)),
    v: /** @type {tf.Tensor5D} */ (tf.randomNormal(shape)),
    rpb: /** @type {tf.Tensor3D} */ (tf.mul(tf.randomNormal([p.heads, 2 * KERNEL - 1, 2 * KERNEL - 1]), 0.1)),
  }));
}

/**
 * softmax(q k^T * scale) v over all H*W tokens per head; heads-last in and out like na2d. The scale is applied
 * to q (as the composite does) so the only N x N tensors are the logits and their softmax.
 * @param {tf.Tensor5D} q @param {tf.Tensor5D} k @param {tf.Tensor5D} v
 */
export function denseAttention(q, k, v) {
  const [B, H, W, heads, D] = q.shape;
  const N = H * W;
  const toHeads = (/** @type {tf.Tensor} */ x) => tf.reshape(tf.transpose(tf.reshape(x, [B, N, heads, D]), [0, 2, 1, 3]), [B * heads, N, D]);
  const attn = tf.softmax(tf.matMul(tf.mul(toHeads(q), D ** -0.5), toHeads(k), false, true));
  const out = tf.matMul(attn, toHeads(v));
  return /** @type {tf.Tensor5D} */ (tf.reshape(tf.transpose(tf.reshape(out, [B, heads, N, D]), [0, 2, 1, 3]), [B, H, W, heads, D]));
}

/**
 * The function to time for one (impl, pass). fwd+bwd is tf.grads of sum(out * g) w.r.t. q, k, v and, for the
 * two NA implementations, rpb (dense attention has no bias). The composite is selected by the caller through
 * na.setNAImplementation, so na2d and composite share this code.
 * @param {string} impl @param {string} pass @param {Problem} p @param {Inputs} x @param {tf.Tensor | null} g
 * @returns {() => tf.Tensor | tf.Tensor[]}
 */
export function makeRun(impl, pass, p, x, g) {
  /** @param {tf.Tensor5D} q @param {tf.Tensor5D} k @param {tf.Tensor5D} v @param {tf.Tensor3D} rpb */
  const forward = (q, k, v, rpb) =>
    impl === 'dense' ? denseAttention(q, k, v) : na.na2d(q, k, v, { kernelSize: KERNEL, dilation: p.dilation, rpb });
  if (pass === 'fwd') return () => forward(x.q, x.k, x.v, x.rpb);
  if (g == null) throw new Error('makeRun: fwd+bwd needs the upstream gradient g');
  const loss = (/** @type {tf.Tensor[]} */ ...t) =>
    tf.sum(tf.mul(forward(/** @type {any} */ (t[0]), /** @type {any} */ (t[1]), /** @type {any} */ (t[2]), /** @type {any} */ (t[3] ?? x.rpb)), g));
  const wrt = impl === 'dense' ? [x.q, x.k, x.v] : [x.q, x.k, x.v, x.rpb];
  return () => tf.grads(loss)(wrt);
}

/** Runs body with the NA implementation this impl needs, restoring the default afterwards. */
export async function withImplementation(/** @type {string} */ impl, /** @type {() => Promise<any>} */ body) {
  na.setNAImplementation(impl === 'composite' ? 'composite' : 'auto');
  try {
    return await body();
  } finally {
    na.setNAImplementation('auto');
  }
}
