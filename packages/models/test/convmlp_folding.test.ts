// SPDX-License-Identifier: MIT
// ConvMLP's `conv -> BatchNorm -> ReLU` (FoldingConv2D + FoldableBatchNorm) against tfjs-layers' ZeroPadding2D,
// Conv2D, BatchNormalization and ReLU holding the same weights: at inference (where the BatchNorm is folded into
// the conv: one conv kernel, tfjs's FusedConv2D or our wasm PaddedConv2D, and no BatchNorm or ReLU kernel), while
// training (batch statistics and the same moving-average updates), after the weights change, with gradients
// recorded, and through model.json.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { createModel, FoldableBatchNorm, FoldingConv2D, PaddedDepthwiseConv2D } from '@natzoo/models/advanced';

afterAll(async () => {
  await tf.setBackend('cpu');
});

const SPEC = { filters: 6, kernelSize: 3, strides: 2, padding: 1 };
const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;

/** Our pair and tfjs-layers' four layers as models over the same `[2, 9, 9, 4]` input, holding the same weights. */
function pair(useBias: boolean) {
  const name = (s: string) => `${s}_${useBias ? 'b' : 'n'}`;
  const ours = (() => {
    const input = tf.input({ shape: [9, 9, 4] });
    const conv = new FoldingConv2D({ name: name('conv'), ...SPEC, useBias }).apply(input) as tf.SymbolicTensor;
    const out = new FoldableBatchNorm({ name: name('bn'), epsilon: 1e-5, momentum: 0.9, relu: true }).apply(conv) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: out });
  })();
  const reference = (() => {
    const input = tf.input({ shape: [9, 9, 4] });
    let x = tf.layers.zeroPadding2d({ padding: SPEC.padding }).apply(input) as tf.SymbolicTensor;
    x = tf.layers.conv2d({ filters: SPEC.filters, kernelSize: SPEC.kernelSize, strides: SPEC.strides, padding: 'valid', useBias }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ epsilon: 1e-5, momentum: 0.9 }).apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: tf.layers.reLU().apply(x) as tf.SymbolicTensor });
  })();
  // Both list kernel, [bias,] gamma, beta, moving_mean, moving_variance; the statistics are far from 0 and 1.
  const weights = [
    tf.randomNormal([3, 3, 4, 6], 0, 0.5, 'float32', 1),
    ...(useBias ? [tf.randomNormal([6], 0, 1, 'float32', 2)] : []),
    tf.randomUniform([6], 0.5, 2, 'float32', 3),
    tf.randomNormal([6], 0, 1, 'float32', 4),
    tf.randomNormal([6], 0, 2, 'float32', 5),
    tf.randomUniform([6], 0.2, 4, 'float32', 6),
  ];
  ours.setWeights(weights);
  reference.setWeights(weights);
  return { ours, reference, x: tf.randomNormal([2, 9, 9, 4], 1, 2, 'float32', 7) };
}

function kernelNames(f: () => tf.Tensor): Promise<string[]> {
  return tf.profile(() => f()).then((info) => {
    tf.dispose(info.result as tf.Tensor);
    return info.kernels.map((k) => k.name);
  });
}

describe.each(['cpu', 'wasm'])('FoldingConv2D + FoldableBatchNorm on %s', (backend) => {
  it.each([true, false])('inference: one fused conv equal to pad, conv, BatchNorm, ReLU (bias %s)', async (useBias) => {
    await tf.setBackend(backend);
    const { ours, reference, x } = pair(useBias);
    const got = ours.predict(x) as tf.Tensor;
    const want = reference.predict(x) as tf.Tensor;
    expect(got.shape).toEqual([2, 5, 5, 6]);
    expect(maxDiff(got, want)).toBeLessThan(1e-5 * tf.max(tf.abs(want)).dataSync()[0]!);
    const kernels = await kernelNames(() => ours.predict(x) as tf.Tensor);
    expect(kernels.filter((k) => k === 'FusedConv2D' || k === 'PaddedConv2D')).toHaveLength(1);
    expect(kernels.filter((k) => /BatchNorm|Relu|PadV2/.test(k))).toEqual([]);
  });

  it('training: batch statistics and the same moving-average updates; inference then folds the new statistics', async () => {
    await tf.setBackend(backend);
    const { ours, reference, x } = pair(true);
    const got = ours.apply(x, { training: true }) as tf.Tensor;
    const want = reference.apply(x, { training: true }) as tf.Tensor;
    expect(maxDiff(got, want)).toBeLessThan(1e-5);
    // Batch statistics: every channel of the normalised batch has mean beta before the ReLU (checked through
    // the reference's equality above) and the outputs differ from inference with the moving statistics.
    const updated = ours.getWeights().slice(-2);
    expect(maxDiff(updated[0]!, reference.getWeights().at(-2)!)).toBeLessThan(1e-6);
    expect(maxDiff(updated[1]!, reference.getWeights().at(-1)!)).toBeLessThan(1e-6);
    const afterStep = ours.predict(x) as tf.Tensor;
    expect(maxDiff(afterStep, reference.predict(x) as tf.Tensor)).toBeLessThan(1e-4);
    expect(maxDiff(afterStep, got)).toBeGreaterThan(1e-2);
  });

  it('inference after setWeights folds the new weights', async () => {
    await tf.setBackend(backend);
    const { ours, reference, x } = pair(false);
    tf.dispose(ours.predict(x) as tf.Tensor);
    const changed = reference.getWeights().map((w, i) => (i === 0 ? tf.neg(w) : tf.add(w, 0.5)));
    ours.setWeights(changed);
    reference.setWeights(changed);
    expect(maxDiff(ours.predict(x) as tf.Tensor, reference.predict(x) as tf.Tensor)).toBeLessThan(1e-4);
  });
});

describe('folding', () => {
  // On cpu: tfjs-wasm has no Conv2DBackpropFilter.
  it('inference with gradients recorded runs unfolded, so the weights get their gradients', async () => {
    await tf.setBackend('cpu');
    const { ours, reference, x } = pair(true);
    tf.dispose(ours.predict(x) as tf.Tensor); // folded copies made and cached
    const grads = (model: tf.LayersModel) => {
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads: byName } = tf.variableGrads(() => tf.sum(tf.square(model.apply(x, { training: false }) as tf.Tensor)) as tf.Scalar, variables);
      return variables.map((v) => byName[v.name]!);
    };
    const [ourGrads, refGrads] = [grads(ours), grads(reference)];
    expect(ourGrads).toHaveLength(4);
    ourGrads.forEach((g, i) => expect(maxDiff(g, refGrads[i]!)).toBeLessThan(1e-4 * tf.max(tf.abs(refGrads[i]!)).dataSync()[0]!));
  });
  it('is skipped where the conv output has a second consumer', async () => {
    await tf.setBackend('cpu');
    const { ours, reference, x } = pair(true);
    const conv = ours.layers[1]!;
    const tapped = tf.model({ inputs: ours.inputs, outputs: [ours.outputs[0]!, new PaddedDepthwiseConv2D({ kernelSize: 3, padding: 1 }).apply(conv.output as tf.SymbolicTensor) as tf.SymbolicTensor] });
    const [out] = tapped.predict(x) as tf.Tensor[];
    expect(maxDiff(out!, reference.predict(x) as tf.Tensor)).toBeLessThan(1e-5);
  });

  it('survives model.json: the loaded model folds and gives the same outputs', async () => {
    await tf.setBackend('wasm');
    const { ours, x } = pair(true);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await ours.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    expect(maxDiff(loaded.predict(x) as tf.Tensor, ours.predict(x) as tf.Tensor)).toBe(0);
    expect((await kernelNames(() => loaded.predict(x) as tf.Tensor)).filter((k) => /BatchNorm/.test(k))).toEqual([]);
  });

  it('leaves a ConvMLP in training mode on batch statistics: its output ignores the moving statistics', async () => {
    await tf.setBackend('wasm');
    const model = createModel('convmlp_s', { blocks: [1, 1], dims: [8, 16], mlp_ratios: [2, 2], channels: 8, n_conv_blocks: 1, imgSize: 32, numClasses: 5, dropPathRate: 0 });
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 8);
    const batchNorms = model.layers.filter((l): l is FoldableBatchNorm => l instanceof FoldableBatchNorm);
    expect(batchNorms).toHaveLength(6);
    const setStatistics = (mean: number, variance: number) => {
      for (const bn of batchNorms) {
        const [gamma, beta] = bn.getWeights();
        bn.setWeights([gamma!, beta!, tf.fill([gamma!.size], mean), tf.fill([gamma!.size], variance)]);
      }
    };
    setStatistics(0, 1);
    const [trainA, inferA] = [model.apply(x, { training: true }) as tf.Tensor, model.predict(x) as tf.Tensor];
    setStatistics(3, 9);
    const [trainB, inferB] = [model.apply(x, { training: true }) as tf.Tensor, model.predict(x) as tf.Tensor];
    expect(maxDiff(trainA, trainB)).toBeLessThan(1e-5);
    expect(maxDiff(inferA, inferB)).toBeGreaterThan(1e-3);
    model.dispose();
  });
});
