// SPDX-License-Identifier: MIT
// One suite over every registered model: parameter counts against upstream's (reference/models.md: the READMEs
// and counts recomputed from upstream's layer shapes, in millions at the precision given there), output shape and
// finite outputs at the native input size, and the tfjs save/load round trip; per family, a tiny configuration
// (the fixtures' kwargs) where every trainable weight must receive a nonzero gradient.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel, getModelConfig, getModelFamily, listModels } from '@natzoo/models';
import type { ModelName } from '@natzoo/models';
import { TINY_MODELS } from './support/tiny_models.js';

beforeAll(async () => {
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
});

/**
 * Upstream parameter counts in millions, with the number of decimals models.md gives them (a README's "20M" is
 * checked to +-0.5M, a recomputed 19.98M to +-0.005M). CCT/CVT/ViT-Lite counts are exact in
 * packages/models/test/cct.test.ts. The 21k variants differ from their 1k sibling only by the 21841-row head.
 */
const head21k = (width: number) => (21841 - 1000) * (width + 1) / 1e6;
const UPSTREAM_MILLIONS: Record<string, [number, number]> = {
  nat_mini: [19.98, 2], nat_tiny: [27.9, 2], nat_small: [50.74, 2], nat_base: [89.77, 2],
  dinat_mini: [20, 0], dinat_tiny: [28, 0], dinat_small: [51, 0], dinat_base: [90, 0],
  dinat_large: [200.94, 2], dinat_large_384: [200.94, 2], dinat_large_384_11x11: [201.14, 2],
  dinat_large_21k: [200.94 + head21k(1536), 2], dinat_large_21k_11x11: [201.14 + head21k(1536), 2],
  dinat_s_tiny: [28.29, 2], dinat_s_small: [50, 0], dinat_s_base: [88, 0], dinat_s_large: [197, 0], dinat_s_large_384: [197, 0],
  dinat_s_large_21k: [197 + head21k(1536), 0],
  nat_isotropic_small: [22.0, 2], dinat_isotropic_small: [22, 0], vitrpb_small: [22.08, 2],
  nat_isotropic_base: [86.47, 2], dinat_isotropic_base: [86, 0], vitrpb_base: [86.63, 2],
  convmlp_s: [9.02, 2], convmlp_m: [17.41, 2], convmlp_l: [42.73, 2],
};

// Above this, a random-input forward at the native size costs tens of seconds on two cores; the same code runs
// for the smaller variants of each family, and these get the shape and parameter checks.
const FORWARD_LIMIT = 30e6;
const ROUND_TRIP_LIMIT = 10e6;

const rows: string[] = [];
afterAll(() => console.log(`model | params | upstream (M) | checked\n${rows.join('\n')}`));

async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  return tf.loadLayersModel(tf.io.fromMemory(artifacts!));
}

describe('every registered model', () => {
  it.each(listModels())('%s', async (name) => {
    const model = createModel(name as ModelName);
    const params = model.countParams();
    const upstream = UPSTREAM_MILLIONS[name];
    const family = getModelFamily(name as ModelName);
    if (upstream === undefined && !['cct', 'cvt', 'vit_lite'].includes(family)) throw new Error(`${name}: no upstream parameter count on record`);
    if (upstream !== undefined) {
      const [millions, decimals] = upstream;
      expect(Math.abs(params / 1e6 - millions), `${name}: ${params} parameters vs upstream ${millions}M`).toBeLessThanOrEqual(0.5 * 10 ** -decimals + 1e-9);
    }
    const [, h, w, c] = model.inputs[0]!.shape as [null, number, number, number];
    const classes = getModelConfig(name as ModelName)['numClasses'];
    expect(model.outputs[0]!.shape).toEqual([null, classes]);

    let checked = 'params, shape';
    if (params <= FORWARD_LIMIT) {
      const x = tf.randomNormal([1, h, w, c], 0, 1, 'float32', 7);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([1, classes]);
      expect(tf.all(tf.isFinite(y)).dataSync()[0], `${name}: non-finite logits`).toBe(1);
      checked += ', forward';
      if (params <= ROUND_TRIP_LIMIT) {
        const loaded = await roundTrip(model);
        const again = loaded.predict(x) as tf.Tensor;
        expect(tf.max(tf.abs(tf.sub(again, y))).dataSync()[0]).toBe(0);
        tf.dispose([again]);
        loaded.dispose();
        checked += ', save/load';
      }
      tf.dispose([x, y]);
    } else {
      console.log(`${name}: forward and save/load not run (${(params / 1e6).toFixed(1)}M parameters > ${FORWARD_LIMIT / 1e6}M; the family's smaller variants run the same code)`);
    }
    rows.push(`${name} | ${params} | ${upstream?.[0]?.toFixed(upstream[1]) ?? 'exact, cct.test.ts'} | ${checked}`);
    model.dispose();
  });
});

describe('tiny configurations (cpu: tfjs-wasm has no Conv2DBackpropFilter)', () => {
  it.each(TINY_MODELS)('%s (tiny): every trainable weight gets a nonzero gradient; save/load keeps the outputs', async (name, overrides, size) => {
    await tf.setBackend('cpu');
    try {
      const model = createModel(name, { ...overrides, dropPathRate: 0, numClasses: 5 } as never);
      const x = tf.randomNormal([2, size, size, 3], 0, 1, 'float32', 3);
      const target = tf.oneHot(tf.tensor1d([1, 3], 'int32'), 5);
      const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(target, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
      const names = model.trainableWeights.map((w) => w.name);
      for (const variable of names) {
        const g = grads[variable];
        expect(g, `${name}: no gradient for ${variable}`).toBeDefined();
        expect(tf.max(tf.abs(g!)).dataSync()[0], `${name}: zero gradient for ${variable}`).toBeGreaterThan(0);
      }
      // Every custom layer of the family (layer scale, Swin gather, grid rpb attention) through model.json.
      const loaded = await roundTrip(model);
      const [before, after] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
      expect(tf.max(tf.abs(tf.sub(before, after))).dataSync()[0]).toBe(0);
      tf.dispose([x, target, before, after, ...Object.values(grads)]);
      loaded.dispose();
      model.dispose();
    } finally {
      await tf.setBackend('wasm');
    }
  });
});
