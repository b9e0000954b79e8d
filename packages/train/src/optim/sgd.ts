// SPDX-License-Identifier: MIT
// SGD with momentum in torch.optim.SGD's arithmetic: g += wd * p (coupled decay, skipped for `decay: false`);
// buf = momentum * buf + g (buf = g on the first step); update = nesterov ? g + momentum * buf : buf; p -= lr * update.
import * as tf from '@tensorflow/tfjs';
import type { TrainableParam } from './no_weight_decay.js';
import type { Optimizer } from './optimizer.js';

export interface SGDOptions {
  momentum: number;
  weightDecay: number;
  nesterov?: boolean;
}

export class SGD implements Optimizer {
  readonly kind = 'sgd';
  private readonly buf = new Map<string, tf.Tensor>();
  private updates = 0;

  constructor(
    private readonly params: readonly TrainableParam[],
    readonly options: SGDOptions,
  ) {
    if (!(options.momentum >= 0 && options.momentum < 1)) throw new Error(`SGD: momentum must be in [0, 1); got ${options.momentum}`);
    if (!(options.weightDecay >= 0)) throw new Error(`SGD: weightDecay must be >= 0; got ${options.weightDecay}`);
    if (options.nesterov === true && options.momentum === 0) throw new Error('SGD: nesterov needs momentum > 0');
  }

  apply(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    this.updates++;
    const { momentum, weightDecay, nesterov = false } = this.options;
    for (const p of this.params) {
      const grad = grads.get(p.name);
      if (grad === undefined) continue;
      const old = this.buf.get(p.name);
      const [buf, next] = tf.tidy(() => {
        const g = p.decay && weightDecay > 0 ? tf.add(grad, tf.mul(p.variable, weightDecay)) : grad;
        if (momentum === 0) return [null, tf.sub(p.variable, tf.mul(g, lr))];
        const buf = old === undefined ? tf.clone(g) : tf.add(tf.mul(old, momentum), g);
        const update = nesterov ? tf.add(g, tf.mul(buf, momentum)) : buf;
        return [buf, tf.sub(p.variable, tf.mul(update, lr))];
      });
      p.variable.assign(next);
      next.dispose();
      if (buf !== null) {
        old?.dispose();
        this.buf.set(p.name, buf);
      }
    }
  }

  async saveState(): Promise<{ tensors: Map<string, { shape: number[]; data: Float32Array }>; updates: number }> {
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, t] of this.buf) tensors.set(`momentum_buffer/${name}`, { shape: t.shape, data: (await t.data()) as Float32Array });
    return { tensors, updates: this.updates };
  }

  loadState(tensors: ReadonlyMap<string, Float32Array>, updates: number): void {
    this.dispose();
    for (const p of this.params) {
      const data = tensors.get(`momentum_buffer/${p.name}`);
      if (data === undefined) {
        if (updates > 0 && this.options.momentum > 0) throw new Error(`SGD.loadState: the checkpoint has no momentum buffer for '${p.name}'`);
        continue;
      }
      if (data.length !== p.variable.size) throw new Error(`SGD.loadState: momentum_buffer/${p.name} has ${data.length} values, the weight ${p.variable.size}`);
      this.buf.set(p.name, tf.tensor(data, p.variable.shape));
    }
    this.updates = updates;
  }

  dispose(): void {
    for (const t of this.buf.values()) t.dispose();
    this.buf.clear();
  }
}
