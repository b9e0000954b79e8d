// SPDX-License-Identifier: MIT
// StyleNAT GAN training on a tiny configuration on the cpu backend (tfjs-wasm lacks Conv2DBackpropFilter):
// the R1 penalty and its second-order gradient against central finite differences, a few iterations with finite
// losses, R1 applied on the lazy schedule, the EMA following its formula, and a resumed run continuing exactly
// like an uninterrupted one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStyleNATDiscriminator } from '@natzoo/models';
import { resolveStyleNATConfig, STYLENAT_FFHQ256 } from '@natzoo/models/advanced';
import type { StyleNATDiscriminatorConfig } from '@natzoo/models/advanced';
import { StyleNATGanTrainer } from '@natzoo/train';
import { r1Penalty } from '@natzoo/train/advanced';

const G_CONFIG = resolveStyleNATConfig('test', STYLENAT_FFHQ256, { size: 16, style_dim: 16, n_mlp: 2, in_channels: [16, 16, 16], min_heads: 2 });
const D_CONFIG: StyleNATDiscriminatorConfig = { size: 16, channelMultiplier: 2, blurKernel: [1, 3, 3, 1], sn: true, channels: { 4: 8, 8: 8, 16: 8 } };
const TRAIN = { batch: 4, regEvery: 2, seed: 3 };

/** A fixed batch of "real" images (NHWC), the same for every run. */
function realBatch(step: number): tf.Tensor4D {
  return tf.tidy(() => tf.tanh(tf.randomNormal([4, 16, 16, 3], 0, 1, 'float32', 100 + step)) as tf.Tensor4D);
}

function snapshot(trainer: StyleNATGanTrainer): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, set] of [['g', trainer.g.params], ['g_ema', trainer.gEma.params], ['d', trainer.d.params]] as const) {
    for (const [key, v] of set.vars) out.set(`${name}/${key}`, v.dataSync().slice() as Float32Array);
  }
  return out;
}

describe('StyleNAT GAN training (cpu)', () => {
  const work = mkdtempSync(join(tmpdir(), 'natzoo-gan-'));
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('R1 and its gradient with respect to D\'s weights match finite differences', () => {
    const d = createStyleNATDiscriminator({ size: 16, channels: { 4: 4, 8: 4, 16: 4 }, sn: false });
    const real = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    // First order: along the normalised input gradient g, D changes at the rate |g| (what R1 squares).
    const gradient = tf.grad((x: tf.Tensor) => tf.sum(d.call(x as tf.Tensor4D)))(real);
    const norm = tf.norm(gradient).dataSync()[0]!;
    const direction = tf.div(gradient, norm);
    const along = (s: number) => tf.tidy(() => tf.sum(d.call(tf.add(real, tf.mul(direction, s)) as tf.Tensor4D)).dataSync()[0]!);
    const eps = 3e-3;
    expect(Math.abs((along(eps) - along(-eps)) / (2 * eps) - norm) / norm).toBeLessThan(1e-2);
    // Second order: R1 is exactly quadratic in the last linear layer's weight (the input gradient is linear in
    // it), so central differences are exact up to rounding; the gradient comes back through every backward op.
    const w = d.params.get('final_linear.1.weight');
    const penalty = () => tf.tidy(() => r1Penalty((x) => d.call(x), real).dataSync()[0]!);
    const { grads } = tf.variableGrads(() => r1Penalty((x) => d.call(x), real), [w]);
    const analytic = grads[w.name]!.dataSync();
    const original = w.dataSync().slice();
    const scale = Math.max(...analytic.map(Math.abs));
    for (let i = 0; i < original.length; i++) {
      const at = (s: number) => {
        const moved = original.slice();
        moved[i]! += s;
        w.assign(tf.tensor(moved, w.shape));
        return penalty();
      };
      const numeric = (at(0.1) - at(-0.1)) / 0.2;
      w.assign(tf.tensor(original, w.shape));
      console.log(`dR1/dw[${i}]: analytic ${analytic[i]!.toExponential(5)}, central difference ${numeric.toExponential(5)}`);
      expect(Math.abs(numeric - analytic[i]!)).toBeLessThan(1e-3 * scale);
    }
    expect(scale).toBeGreaterThan(1e-4);
    tf.dispose([real, gradient, direction, ...Object.values(grads)]);
    d.dispose();
  });

  it('trains a few steps: finite losses, lazy R1, EMA by its formula; resume continues exactly', async () => {
    const trainer = StyleNATGanTrainer.create(G_CONFIG, D_CONFIG, TRAIN);
    const initialG = snapshot(trainer);
    const stats = [];
    for (let step = 0; step < 2; step++) {
      const before = snapshot(trainer);
      const real = realBatch(step);
      stats.push(await trainer.trainStep(real));
      real.dispose();
      // EMA: ema' = decay * ema + (1 - decay) * g', checked on one weight.
      const after = snapshot(trainer);
      const key = 'layers.1.blocks.0.attn.qkv.weight';
      const decay = trainer.config.emaDecay;
      const expected = before.get(`g_ema/${key}`)!.map((e, i) => decay * e + (1 - decay) * after.get(`g/${key}`)![i]!);
      expect(Math.max(...after.get(`g_ema/${key}`)!.map((v, i) => Math.abs(v - expected[i]!)))).toBeLessThan(1e-6);
    }
    for (const s of stats) {
      console.log(`step ${s.step}: D ${s.dLoss.toFixed(4)}  G ${s.gLoss.toFixed(4)}  R1 ${s.r1 ?? '-'}  |grad D| ${s.dGradNorm.toFixed(3)}`);
      expect(Number.isFinite(s.dLoss) && Number.isFinite(s.gLoss) && Number.isFinite(s.dGradNorm)).toBe(true);
    }
    // regEvery 2: R1 at iterations 0 and 2, not 1.
    expect(stats[0]!.r1).not.toBeNull();
    expect(stats[0]!.r1!).toBeGreaterThan(0);
    expect(stats[1]!.r1).toBeNull();
    // G, G-EMA and D all moved; G-EMA stays near the start (decay ~0.998).
    const now = snapshot(trainer);
    const moved = (name: string) => Math.max(...[...now].filter(([k]) => k.startsWith(name)).map(([k, v]) => Math.max(...v.map((x, i) => Math.abs(x - initialG.get(k)![i]!)))));
    expect(moved('g/')).toBeGreaterThan(0);
    expect(moved('g_ema/')).toBeGreaterThan(0);
    expect(moved('d/')).toBeGreaterThan(0);
    expect(moved('g_ema/')).toBeLessThan(moved('g/'));

    // Save at step 2, continue the original one step; resume from disk and take the same step.
    const dir = join(work, 'ckpt');
    await trainer.save(dir);
    const real2 = realBatch(2);
    const continued = await trainer.trainStep(real2);
    const resumed = await StyleNATGanTrainer.resume(dir);
    expect(resumed.step).toBe(2);
    const again = await resumed.trainStep(real2);
    // The same step without the saved Adam moments, to show that they matter at the tolerance used below.
    const amnesiac = await StyleNATGanTrainer.resume(dir, {}, { restoreOptimizer: false });
    await amnesiac.trainStep(real2);
    real2.dispose();
    expect(again.r1).not.toBeNull();
    expect(again.dLoss).toBe(continued.dLoss);
    expect(again.gLoss).toBeCloseTo(continued.gLoss, 5);
    const maxDiff = (x: Map<string, Float32Array>, y: Map<string, Float32Array>) =>
      Math.max(...[...x].map(([k, v]) => Math.max(...v.map((e, i) => Math.abs(e - y.get(k)![i]!)))));
    const reference = snapshot(trainer);
    const resumedDiff = maxDiff(reference, snapshot(resumed));
    const freshAdamDiff = maxDiff(reference, snapshot(amnesiac));
    // tfjs Adam recomputes beta^t on restore where a running one multiplies: float32 rounding, nothing more.
    console.log(`after the resumed step: max |w - w_uninterrupted| ${resumedDiff.toExponential(2)}; with fresh Adam state ${freshAdamDiff.toExponential(2)}`);
    expect(resumedDiff).toBeLessThan(1e-6);
    expect(freshAdamDiff).toBeGreaterThan(100 * Math.max(resumedDiff, 1e-9));
    trainer.dispose();
    resumed.dispose();
    amnesiac.dispose();
  });
});
