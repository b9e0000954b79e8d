// SPDX-License-Identifier: MIT
// AdamW with decoupled weight decay (Loshchilov & Hutter), in the arithmetic order of torch.optim.AdamW:
// p *= 1 - lr*wd; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
// Parameters tagged `decay: false` (see no_weight_decay.ts) skip the first line.
import * as tf from '@tensorflow/tfjs';
import type { TrainableParam } from './no_weight_decay.js';
import type { Optimizer } from './optimizer.js';

export interface AdamWOptions {
  weightDecay: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export class AdamW implements Optimizer {
  readonly kind = 'adamw';
  private readonly m = new Map<string, tf.Tensor>();
  private readonly v = new Map<string, tf.Tensor>();
  private updates = 0;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;

  constructor(
    private readonly params: readonly TrainableParam[],
    options: AdamWOptions,
  ) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay;
    for (const [key, value] of Object.entries({ beta1: this.beta1, beta2: this.beta2 })) {
      if (!(value >= 0 && value < 1)) throw new Error(`AdamW: ${key} must be in [0, 1); got ${value}`);
    }
    if (!(this.eps > 0)) throw new Error(`AdamW: eps must be > 0; got ${this.eps}`);
    if (!(this.weightDecay >= 0)) throw new Error(`AdamW: weightDecay must be >= 0; got ${this.weightDecay}`);
  }

  apply(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    this.updates++;
    const t = this.updates;
    const stepSize = lr / (1 - this.beta1 ** t);
    const sqrtCorrection2 = Math.sqrt(1 - this.beta2 ** t);
    for (const p of this.params) {
      const g = grads.get(p.name);
      if (g === undefined) continue; // no gradient reached it this step (torch skips p.grad is None too)
      const mOld = this.m.get(p.name);
      const vOld = this.v.get(p.name);
      const [m, v, next] = tf.tidy(() => {
        const decayed = p.decay && this.weightDecay > 0 ? tf.mul(p.variable, 1 - lr * this.weightDecay) : p.variable;
        const m = mOld === undefined ? tf.mul(g, 1 - this.beta1) : tf.add(tf.mul(mOld, this.beta1), tf.mul(g, 1 - this.beta1));
        const g2 = tf.mul(tf.square(g), 1 - this.beta2);
        const v = vOld === undefined ? g2 : tf.add(tf.mul(vOld, this.beta2), g2);
        const denom = tf.add(tf.div(tf.sqrt(v), sqrtCorrection2), this.eps);
        const next = tf.sub(decayed, tf.mul(tf.div(m, denom), stepSize));
        return [m, v, next];
      });
      p.variable.assign(next);
      next.dispose();
      mOld?.dispose();
      vOld?.dispose();
      this.m.set(p.name, m);
      this.v.set(p.name, v);
    }
  }

  async saveState(): Promise<{ tensors: Map<string, { shape: number[]; data: Float32Array }>; updates: number }> {
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [slot, map] of [['exp_avg', this.m], ['exp_avg_sq', this.v]] as const) {
      for (const [name, t] of map) tensors.set(`${slot}/${name}`, { shape: t.shape, data: (await t.data()) as Float32Array });
    }
    return { tensors, updates: this.updates };
  }

  loadState(tensors: ReadonlyMap<string, Float32Array>, updates: number): void {
    this.dispose();
    for (const p of this.params) {
      for (const [slot, map] of [['exp_avg', this.m], ['exp_avg_sq', this.v]] as const) {
        const data = tensors.get(`${slot}/${p.name}`);
        if (data === undefined) {
          if (updates > 0) throw new Error(`AdamW.loadState: the checkpoint has no ${slot} for '${p.name}'`);
          continue;
        }
        if (data.length !== p.variable.size) throw new Error(`AdamW.loadState: ${slot}/${p.name} has ${data.length} values, the weight ${p.variable.size}`);
        map.set(p.name, tf.tensor(data, p.variable.shape));
      }
    }
    this.updates = updates;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
