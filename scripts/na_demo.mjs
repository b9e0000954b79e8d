// SPDX-License-Identifier: MIT
// The main job until the classifier lands: one NAT-sized neighbourhood-attention layer on the fastest backend,
// checked against the portable composite and timed beside dense attention.
import * as tf from '@tensorflow/tfjs';
import { na2d, setBestBackend, setNAImplementation } from '@natzoo/core';

const backend = await setBestBackend();
const [B, H, W, heads, D] = [1, 56, 56, 2, 32];
const q = tf.randomNormal([B, H, W, heads, D], 0, 1, 'float32', 1);
const k = tf.randomNormal([B, H, W, heads, D], 0, 1, 'float32', 2);
const v = tf.randomNormal([B, H, W, heads, D], 0, 1, 'float32', 3);
const rpb = tf.randomNormal([heads, 13, 13], 0, 0.02, 'float32', 4);

/** Median wall time of `runs` calls after one warm-up. */
async function time(fn, runs = 5) {
  (await fn().data());
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const out = fn();
    await out.data();
    out.dispose();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

const opts = { kernelSize: 7, dilation: 2, rpb };
const fused = () => na2d(q, k, v, opts);
const dense = () =>
  tf.tidy(() => {
    const flat = (t) => tf.transpose(tf.reshape(t, [B, H * W, heads, D]), [0, 2, 1, 3]);
    const attn = tf.softmax(tf.mul(tf.matMul(flat(q), flat(k), false, true), D ** -0.5));
    return tf.matMul(attn, flat(v));
  });

const out = fused();
setNAImplementation('composite');
const reference = na2d(q, k, v, opts);
const composite = () => na2d(q, k, v, opts);
const compositeMs = await time(composite, 3);
setNAImplementation('auto');
const maxDiff = tf.max(tf.abs(tf.sub(out, reference))).dataSync()[0];

console.log(`natzoo neighbourhood attention on '${backend}'`);
console.log(`  na2d q,k,v [${q.shape}] kernel 7, dilation 2, rpb [${rpb.shape}] -> out [${out.shape}]`);
console.log(`  fused kernel vs portable composite: max |diff| = ${maxDiff.toExponential(2)}`);
const fusedMs = await time(fused);
const denseMs = await time(dense, 3);
console.log(`  median ms: fused ${fusedMs.toFixed(1)}, composite ${compositeMs.toFixed(1)}, dense attention ${denseMs.toFixed(1)}`);
console.log(`  fused is ${(denseMs / fusedMs).toFixed(1)}x faster than dense and ${(compositeMs / fusedMs).toFixed(1)}x faster than the composite`);
if (!(maxDiff < 1e-4)) {
  console.error('fused and composite disagree');
  process.exit(1);
}
