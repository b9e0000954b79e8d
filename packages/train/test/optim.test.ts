// SPDX-License-Identifier: MIT
// Optimizers against tfjs's own (independent) implementations: AdamW without decay equals tf.train.adam, its
// decoupled decay equals shrinking the weight by (1 - lr*wd) before an Adam step; SGD equals tf.train.momentum
// (plain and Nesterov) plus coupled decay. The no-decay list follows timm's rule (1-D weights, biases, norms,
// position embeddings, rpb); the cosine schedule hits timm's landmarks; clipping and EMA follow their formulas.
import * as tf from '@tensorflow/tfjs';
import { createModel } from '@natzoo/models';
import { describe, expect, it } from 'vitest';
import { AdamW } from '../src/optim/adamw.js';
import { clipGradients } from '../src/optim/clip_grad.js';
import { ModelEma } from '../src/optim/ema.js';
import { isNoWeightDecay, trainableParams, type TrainableParam } from '../src/optim/no_weight_decay.js';
import { CosineSchedule } from '../src/optim/schedule.js';
import { SGD } from '../src/optim/sgd.js';

await tf.setBackend('cpu');

const init = [0.5, -1.25, 2, 0.125, -0.75, 1.5];
const gradsAt = (t: number) => init.map((v, i) => Math.sin(3 * t + i) * (1 + v));

function param(decay: boolean): TrainableParam {
  return { name: 'w', variable: tf.variable(tf.tensor(init, [2, 3])), decay };
}

/** Runs `steps` updates of ours and of a tfjs optimizer on identical gradients; returns both weights. */
function race(ours: (p: TrainableParam) => { apply: (g: Map<string, tf.Tensor>, lr: number) => void }, theirs: tf.Optimizer, lr: number, decay: number, steps = 5) {
  const a = param(decay > 0);
  const b = tf.variable(tf.tensor(init, [2, 3]));
  const opt = ours(a);
  for (let t = 0; t < steps; t++) {
    const g = tf.tensor(gradsAt(t), [2, 3]);
    opt.apply(new Map([['w', g]]), lr);
    if (decay > 0) b.assign(tf.mul(b, 1 - lr * decay));
    theirs.applyGradients({ [b.name]: g });
  }
  return { ours: a.variable.dataSync(), theirs: b.dataSync() };
}

describe('AdamW', () => {
  it('without weight decay equals tf.train.adam', () => {
    const r = race((p) => new AdamW([p], { weightDecay: 0 }), tf.train.adam(0.01, 0.9, 0.999, 1e-8), 0.01, 0);
    for (let i = 0; i < init.length; i++) expect(r.ours[i]).toBeCloseTo(r.theirs[i]!, 5);
  });

  it('decays decoupled: p * (1 - lr wd) then the Adam step; exempt weights do not decay', () => {
    const r = race((p) => new AdamW([p], { weightDecay: 0.1 }), tf.train.adam(0.01, 0.9, 0.999, 1e-8), 0.01, 0.1);
    for (let i = 0; i < init.length; i++) expect(r.ours[i]).toBeCloseTo(r.theirs[i]!, 5);
    const exempt = race((p) => new AdamW([{ ...p, decay: false }], { weightDecay: 0.1 }), tf.train.adam(0.01, 0.9, 0.999, 1e-8), 0.01, 0);
    for (let i = 0; i < init.length; i++) expect(exempt.ours[i]).toBeCloseTo(exempt.theirs[i]!, 5);
  });

  it('saves and restores its moments bit-exactly', async () => {
    const a = param(true);
    const opt = new AdamW([a], { weightDecay: 0.05 });
    opt.apply(new Map([['w', tf.tensor(gradsAt(0), [2, 3])]]), 0.01);
    const saved = await opt.saveState();
    const b = param(true);
    b.variable.assign(a.variable);
    const copy = new AdamW([b], { weightDecay: 0.05 });
    copy.loadState(new Map([...saved.tensors].map(([k, v]) => [k, v.data])), saved.updates);
    for (const o of [opt, copy]) o.apply(new Map([['w', tf.tensor(gradsAt(1), [2, 3])]]), 0.01);
    expect([...b.variable.dataSync()]).toEqual([...a.variable.dataSync()]);
  });
});

describe('SGD', () => {
  it('with momentum equals tf.train.momentum, plain and Nesterov', () => {
    for (const nesterov of [false, true]) {
      const r = race((p) => new SGD([p], { momentum: 0.9, weightDecay: 0, nesterov }), tf.train.momentum(0.1, 0.9, nesterov), 0.1, 0);
      for (let i = 0; i < init.length; i++) expect(r.ours[i]).toBeCloseTo(r.theirs[i]!, 5);
    }
  });

  it('adds weight decay to the gradient (coupled, as torch.optim.SGD)', () => {
    const a = param(true);
    new SGD([a], { momentum: 0, weightDecay: 0.5 }).apply(new Map([['w', tf.tensor(gradsAt(0), [2, 3])]]), 0.1);
    const g = gradsAt(0);
    a.variable.dataSync().forEach((v, i) => expect(v).toBeCloseTo(init[i]! - 0.1 * (g[i]! + 0.5 * init[i]!), 6));
  });
});

describe('no weight decay list', () => {
  it('exempts exactly the 1-D weights, biases, norms and the positional embedding of CCT-2', () => {
    const model = createModel('cct_2_3x2_32');
    const params = trainableParams(model.weights);
    const decayed = params.filter((p) => p.decay).map((p) => p.name);
    expect(decayed.sort()).toEqual([
      'classifier.attention_pool/kernel', 'classifier.blocks.0.linear1/kernel', 'classifier.blocks.0.linear2/kernel',
      'classifier.blocks.0.self_attn/proj/kernel', 'classifier.blocks.0.self_attn/qkv/kernel', 'classifier.blocks.1.linear1/kernel',
      'classifier.blocks.1.linear2/kernel', 'classifier.blocks.1.self_attn/proj/kernel', 'classifier.blocks.1.self_attn/qkv/kernel',
      'classifier.fc/kernel', 'tokenizer.conv_layers.0.0/kernel', 'tokenizer.conv_layers.1.0/kernel',
    ]);
    for (const p of params.filter((q) => !q.decay)) expect(p.variable.rank === 1 || p.name.includes('positional_emb')).toBe(true);
    model.dispose();
  });

  it('covers NAT-style relative position biases and position embeddings', () => {
    expect(isNoWeightDecay('levels.0.blocks.0.attn/rpb', [2, 13, 13])).toBe(true);
    expect(isNoWeightDecay('pos_embed/embedding', [1, 196, 384])).toBe(true);
    expect(isNoWeightDecay('levels.0.blocks.0.attn.qkv/kernel', [64, 192])).toBe(false);
  });
});

describe('cosine schedule (timm CosineLRScheduler, warmup_prefix=False)', () => {
  const s = new CosineSchedule({ baseLr: 1e-3, epochs: 10, warmupEpochs: 2, warmupLr: 1e-6, minLr: 1e-5, cooldownEpochs: 3 });
  it('warms up linearly, follows the cosine over t / epochs, then holds min_lr for the cooldown', () => {
    expect(s.totalEpochs).toBe(13);
    expect(s.lrAt(0)).toBeCloseTo(1e-6, 12);
    expect(s.lrAt(1)).toBeCloseTo(1e-6 + (1e-3 - 1e-6) / 2, 12);
    expect(s.lrAt(2)).toBeCloseTo(1e-5 + 0.5 * (1e-3 - 1e-5) * (1 + Math.cos(Math.PI * 0.2)), 12);
    expect(s.lrAt(5)).toBeCloseTo((1e-3 + 1e-5) / 2, 12);
    expect(s.lrAt(10)).toBe(1e-5);
    expect(s.lrAt(12.5)).toBe(1e-5);
    expect(s.lrForStep(1, 50, 100)).toBe(s.lrAt(1.5));
  });
});

describe('gradient clipping and EMA', () => {
  it('clips by global norm like torch.nn.utils.clip_grad_norm_', () => {
    const grads = new Map([['a', tf.tensor([3, 0])], ['b', tf.tensor([0, 4])]]);
    const { grads: out, norm } = clipGradients(grads, 1);
    expect(norm).toBeCloseTo(5, 5);
    expect([...out.get('a')!.dataSync(), ...out.get('b')!.dataSync()].map((v) => Math.round(v * 1e5) / 1e5)).toEqual([0.6, 0, 0, 0.8]);
    const { grads: kept } = clipGradients(new Map([['a', tf.tensor([0.3, 0.4])]]), 1);
    expect([...kept.get('a')!.dataSync()].map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0.3, 0.4]);
  });

  it('EMA blends decay * ema + (1 - decay) * weight and swaps in for evaluation', async () => {
    const model = createModel('cct_2_3x2_32');
    const w = model.weights.find((x) => x.originalName === 'classifier.fc/bias')!;
    w.write(tf.zeros([10]));
    const ema = new ModelEma(model.weights, 0.9);
    w.write(tf.ones([10]));
    ema.update();
    ema.update();
    const inside = await ema.withEmaWeights(async () => [...w.read().dataSync()]);
    inside.forEach((v) => expect(v).toBeCloseTo(0.19, 6)); // 0.9 * (0.1) + 0.1
    expect([...w.read().dataSync()]).toEqual(new Array(10).fill(1));
    ema.dispose();
    model.dispose();
  });
});
