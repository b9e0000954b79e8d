// SPDX-License-Identifier: MIT
// Model EMA as timm's ModelEmaV2 (timm/utils/model_ema.py): after each update, every weight of the model,
// buffers included, is blended into a shadow copy: ema = decay * ema + (1 - decay) * weight. Evaluation can swap
// the shadow weights in and back out.
import * as tf from '@tensorflow/tfjs';

interface NamedWeight {
  originalName: string;
  read(): tf.Tensor;
  write(value: tf.Tensor): void;
}

export class ModelEma {
  private readonly shadow = new Map<string, tf.Tensor>();

  constructor(
    private readonly weights: readonly NamedWeight[],
    readonly decay: number,
  ) {
    if (!(decay >= 0 && decay <= 1)) throw new Error(`ModelEma: decay must be in [0, 1]; got ${decay}`);
    for (const w of weights) this.shadow.set(w.originalName, tf.keep(w.read().clone()));
  }

  update(): void {
    for (const w of this.weights) {
      const old = this.shadow.get(w.originalName)!;
      const next = tf.tidy(() => tf.add(tf.mul(old, this.decay), tf.mul(w.read(), 1 - this.decay)));
      old.dispose();
      this.shadow.set(w.originalName, next);
    }
  }

  /** Runs `fn` with the EMA weights in the model, then puts the trained weights back. */
  async withEmaWeights<T>(fn: () => Promise<T>): Promise<T> {
    const saved = this.weights.map((w) => w.read().clone());
    this.weights.forEach((w) => w.write(this.shadow.get(w.originalName)!));
    try {
      return await fn();
    } finally {
      this.weights.forEach((w, i) => w.write(saved[i]!));
      saved.forEach((t) => t.dispose());
    }
  }

  async saveState(): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, t] of this.shadow) out.set(name, { shape: t.shape, data: (await t.data()) as Float32Array });
    return out;
  }

  loadState(tensors: ReadonlyMap<string, Float32Array>): void {
    for (const w of this.weights) {
      const data = tensors.get(w.originalName);
      if (data === undefined) throw new Error(`ModelEma.loadState: the checkpoint has no EMA weight '${w.originalName}'`);
      this.shadow.get(w.originalName)?.dispose();
      this.shadow.set(w.originalName, tf.tensor(data, w.read().shape));
    }
  }

  dispose(): void {
    for (const t of this.shadow.values()) t.dispose();
    this.shadow.clear();
  }
}
