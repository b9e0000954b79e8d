// SPDX-License-Identifier: MIT
// Activation recomputation and micro-batches against the plain tape: the same loss and gradients for every
// family's tiny configuration (and CCT), with drop path and dropout drawing random masks, on wasm with the
// training kernels. A recomputation that drew fresh masks, lost a segment's variables, or ran BatchNorm's
// running-statistics update twice would show here.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '@natzoo/models';
import { withRandomSource } from '@natzoo/core';
import { registerTrainingKernels } from '@natzoo/core/training-kernels';
import { computeGradients, planRecompute, rngFor, trainableParams, type RecomputePlan } from '@natzoo/train';
import { syntheticBatch as batch } from './support/synthetic_batch.js';
import { RANDOM_LAYER_MODELS, TINY_MODELS } from './support/tiny_models.js';


beforeAll(async () => {
  await tf.setBackend('wasm');
  registerTrainingKernels();
});

/** Largest |a - b| over every gradient, relative to the largest |a| of the same gradient. */
function worstRelative(a: Map<string, tf.Tensor>, b: Map<string, tf.Tensor>): number {
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  let worst = 0;
  for (const [name, ga] of a) {
    const va = ga.dataSync();
    const vb = b.get(name)!.dataSync();
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < va.length; i++) {
      diff = Math.max(diff, Math.abs(va[i]! - vb[i]!));
      scale = Math.max(scale, Math.abs(va[i]!));
    }
    worst = Math.max(worst, diff / (scale || 1));
  }
  return worst;
}

const movingStats = (model: tf.LayersModel) => model.weights.filter((w) => /moving_(mean|variance)/.test(w.name)).map((w) => [...w.read().dataSync()]);

describe('activation recomputation', () => {
  it.each(RANDOM_LAYER_MODELS)('%s: the same loss and gradients as the plain tape, random masks included', (name, overrides, size) => {
    // Seeded weights: about one unseeded tiny NAT in twenty puts the logits so near uniform that no mask moves the
    // float32 loss, and the masks-are-on check below would fail by chance.
    const model = withRandomSource(rngFor(1, 'init'), () => createModel(name, { ...overrides, dropPathRate: 0.3, numClasses: 5 } as never));
    const plan = planRecompute(model);
    if ('unsupported' in plan) throw new Error(plan.unsupported);
    expect(plan.segments.filter((s) => !s.direct).length).toBeGreaterThan(1);
    const params = trainableParams(model.weights);
    const { x, y } = batch(size, 3, 5);
    // Training-mode BatchNorm normalises with the batch's statistics, so the running ones it updates do not matter here.
    const plain = computeGradients(model, params, x, y, rngFor(1, 'step', 0));
    const recomputed = computeGradients(model, params, x, y, rngFor(1, 'step', 0), { recompute: plan });
    // Masks are on: other steps' streams give other losses (one of four, so that all-kept masks do not matter).
    const others = [1, 2, 3, 4].map((step) => computeGradients(model, params, x, y, rngFor(1, 'step', step), { recompute: plan }));
    expect(model.layers.some((l) => ['DropPath', 'SeededDropout'].includes(l.getClassName()))).toBe(true);
    expect(others.some((o) => o.loss !== plain.loss)).toBe(true);
    expect(Math.abs(recomputed.loss - plain.loss)).toBeLessThanOrEqual(1e-6 * Math.abs(plain.loss));
    expect(worstRelative(plain.grads, recomputed.grads)).toBeLessThanOrEqual(1e-5);
    for (const g of [plain, recomputed, ...others].flatMap((s) => [...s.grads.values()])) g.dispose();
    tf.dispose([x, y]);
    model.dispose();
  });

  it('updates BatchNorm running statistics once per step, as the plain tape does', () => {
    const [name, overrides, size] = TINY_MODELS.find(([n]) => n === 'convmlp_s')!;
    const model = createModel(name, { ...overrides, numClasses: 5 } as never);
    const initial = model.getWeights().map((w) => w.clone());
    const run = (recompute: boolean) => {
      model.setWeights(initial);
      const plan = planRecompute(model) as RecomputePlan;
      expect(plan.segments.some((s) => s.direct)).toBe(true);
      const { x, y } = batch(size, 2, 5);
      const step = computeGradients(model, trainableParams(model.weights), x, y, rngFor(2, 'step', 0), recompute ? { recompute: plan } : {});
      const stats = movingStats(model);
      for (const g of step.grads.values()) g.dispose();
      tf.dispose([x, y]);
      return stats;
    };
    const [plain, recomputed] = [run(false), run(true)];
    tf.dispose(initial);
    model.dispose();
    expect(plain.length).toBeGreaterThan(0);
    expect(recomputed).toEqual(plain);
  });

  it('cuts NAT between half-blocks: no recomputed segment spans two blocks', () => {
    const [name, overrides] = TINY_MODELS[0]!;
    const plan = planRecompute(createModel(name, overrides as never)) as RecomputePlan;
    for (const segment of plan.segments) {
      const blocks = new Set(segment.steps.map((s) => /^levels\.\d+\.blocks\.\d+/.exec(s.layer.name)?.[0]).filter((b) => b !== undefined));
      expect(blocks.size, segment.steps.map((s) => s.layer.name).join(' ')).toBeLessThanOrEqual(1);
    }
  });
});

describe('micro-batches', () => {
  it('give the whole batch\'s loss and gradients, drop path masks included (drawn per sample)', () => {
    const [name, overrides, size] = TINY_MODELS[1]!;
    const model = createModel(name, { ...overrides, dropPathRate: 0.5, numClasses: 5 } as never);
    const params = trainableParams(model.weights);
    const { x, y } = batch(size, 5, 5);
    const whole = computeGradients(model, params, x, y, rngFor(0, 'step', 0));
    const sliced = computeGradients(model, params, x, y, rngFor(0, 'step', 0), { microBatch: 2, recompute: planRecompute(model) as RecomputePlan });
    // The masks are on: another step's stream gives another loss.
    const other = computeGradients(model, params, x, y, rngFor(0, 'step', 1));
    expect(Math.abs(other.loss - whole.loss)).toBeGreaterThan(1e-4);
    tf.dispose([...other.grads.values()]);
    expect(Math.abs(sliced.loss - whole.loss)).toBeLessThanOrEqual(1e-5 * whole.loss);
    expect(worstRelative(whole.grads, sliced.grads)).toBeLessThanOrEqual(1e-4);
    expect(() => computeGradients(model, params, x, y, rngFor(0, 'step', 0), { microBatch: 0 })).toThrow(/microBatch must be a positive integer; got 0/);
    for (const g of [whole, sliced].flatMap((s) => [...s.grads.values()])) g.dispose();
    tf.dispose([x, y]);
    model.dispose();
  });
});
