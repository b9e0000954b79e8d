// SPDX-License-Identifier: MIT
// The NeighborhoodAttention layers against a hand composition of the public ops on the layer's own weights,
// their save/load round trip, argument errors, gradients and tensor bookkeeping.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NeighborhoodAttention1D, NeighborhoodAttention2D, NeighborhoodAttention3D, na1d, na1dAV, na2d, na2dAV, na3d, na3dAV } from '@natzoo/core';
import type { NeighborhoodAttentionArgs } from '@natzoo/core';

type NALayer = NeighborhoodAttention1D | NeighborhoodAttention2D | NeighborhoodAttention3D;
type AnyOp = (...args: unknown[]) => tf.Tensor;
/** The public fused and AV ops by the layer input's rank. */
const opsByInputRank = {
  3: { fused: na1d, av: na1dAV },
  4: { fused: na2d, av: na2dAV },
  5: { fused: na3d, av: na3dAV },
} as unknown as Record<number, { fused: AnyOp; av: AnyOp }>;

const randn = (shape: number[], seed: number, std = 1) => tf.randomNormal(shape, 0, std, 'float32', seed);

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** Applies a layer to a concrete tensor (apply() is typed to also return symbolic tensors). */
const run = (layer: NALayer, x: tf.Tensor, kwargs: { training?: boolean } = {}) => layer.apply(x, kwargs) as tf.Tensor;

/** The layer's weights by their name inside the layer (`qkv/kernel`, ...). */
function weightsOf(layer: NALayer): Record<string, tf.Tensor> {
  return Object.fromEntries(layer.weights.map((w) => [w.originalName.slice(layer.name.length + 1), w.read()]));
}

/** Builds the layer on `x` and replaces its weights with O(1) random values so every term matters. */
function buildWithRandomWeights(layer: NALayer, x: tf.Tensor, seed: number): void {
  tf.tidy(() => {
    layer.apply(x);
    layer.setWeights(layer.getWeights().map((w, i) => randn(w.shape, seed + i, 0.5)));
  });
}

/**
 * NATTEN's module forward written with the public ops: channels split by slicing, [q | k | v] then heads.
 * With `attn`, the attention weights come from there (applied to v with the AV op) instead of q and k.
 */
function handComposition(layer: NALayer, x: tf.Tensor, args: NeighborhoodAttentionArgs, attn?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const w = weightsOf(layer);
    const channels = x.shape[x.rank - 1]!;
    const headDim = channels / args.numHeads;
    const tokens = x.shape.slice(0, -1);
    let qkv = tf.matMul(tf.reshape(x, [-1, channels]), w['qkv/kernel']!);
    if (w['qkv/bias'] !== undefined) qkv = tf.add(qkv, w['qkv/bias']);
    const kvHeads = args.numKVHeads ?? args.numHeads;
    const widths = [channels, kvHeads * headDim, kvHeads * headDim];
    const part = (i: number) => {
      const from = widths.slice(0, i).reduce((a, b) => a + b, 0);
      return tf.reshape(tf.slice(qkv, [0, from], [-1, widths[i]!]), [...tokens, i === 0 ? args.numHeads : kvHeads, headDim]);
    };
    const opts = {
      kernelSize: args.kernelSize,
      dilation: args.dilation ?? 1,
      isCausal: args.isCausal ?? false,
      stride: args.stride ?? 1,
      scale: args.qkScale ?? headDim ** -0.5,
      ...(w['rpb'] !== undefined ? { rpb: w['rpb'] } : {}),
    };
    const ops = opsByInputRank[x.rank]!;
    const out = attn !== undefined ? ops.av(attn, part(2), opts) : ops.fused(part(0), part(1), part(2), opts);
    const y = tf.add(tf.matMul(tf.reshape(out, [-1, channels]), w['proj/kernel']!), w['proj/bias']!);
    return tf.reshape(y, x.shape);
  });
}

const cases: { name: string; make: (a: NeighborhoodAttentionArgs) => NALayer; shape: number[]; args: NeighborhoodAttentionArgs }[] = [
  { name: '2-D', make: (a) => new NeighborhoodAttention2D(a), shape: [2, 10, 11, 16], args: { numHeads: 2, kernelSize: 5, dilation: 2 } },
  {
    name: '2-D per-axis, qkScale, no qkv bias',
    make: (a) => new NeighborhoodAttention2D(a),
    shape: [1, 9, 11, 12],
    args: { numHeads: 3, kernelSize: [3, 5], dilation: [3, 2], qkScale: 0.3, qkvBias: false },
  },
  { name: '1-D', make: (a) => new NeighborhoodAttention1D(a), shape: [2, 19, 12], args: { numHeads: 3, kernelSize: 7 } },
  {
    name: '1-D causal without rpb',
    make: (a) => new NeighborhoodAttention1D(a),
    shape: [2, 19, 12],
    args: { numHeads: 3, kernelSize: 6, dilation: 2, isCausal: true, relPosBias: false },
  },
  {
    name: '2-D stride, MQA, even kernel with rpb',
    make: (a) => new NeighborhoodAttention2D(a),
    shape: [1, 9, 10, 12],
    args: { numHeads: 3, numKVHeads: 1, kernelSize: [4, 3], stride: [2, 3] },
  },
  {
    name: '3-D GQA, stride, dilation',
    make: (a) => new NeighborhoodAttention3D(a),
    shape: [1, 4, 6, 7, 16],
    args: { numHeads: 4, numKVHeads: 2, kernelSize: [2, 3, 3], stride: [1, 2, 1], dilation: [1, 1, 2] },
  },
];

beforeAll(async () => {
  if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialise');
});

describe('NeighborhoodAttention layers', () => {
  it.each(cases)('$name equals the hand composition with the public ops', ({ make, shape, args }) => {
    const layer = make(args);
    const x = randn(shape, 11);
    buildWithRandomWeights(layer, x, 100);
    const channels = shape[shape.length - 1]!;
    const qkvWidth = channels * (1 + (2 * (args.numKVHeads ?? args.numHeads)) / args.numHeads);
    const expectedWeights: Record<string, number[]> = {
      'qkv/kernel': [channels, qkvWidth],
      ...(args.qkvBias === false ? {} : { 'qkv/bias': [qkvWidth] }),
      ...(args.relPosBias === false ? {} : { rpb: [args.numHeads, ...[args.kernelSize].flat().map((k) => 2 * k - 1)] }),
      'proj/kernel': [channels, channels],
      'proj/bias': [channels],
    };
    if (shape.length === 4 && typeof args.kernelSize === 'number') {
      expectedWeights['rpb'] = [args.numHeads, 2 * args.kernelSize - 1, 2 * args.kernelSize - 1];
    }
    expect(Object.fromEntries(layer.weights.map((w) => [w.originalName.slice(layer.name.length + 1), w.shape]))).toEqual(expectedWeights);

    const before = tf.memory().numTensors;
    const y = run(layer, x);
    const expected = handComposition(layer, x, args);
    expect(y.shape).toEqual(shape);
    expect(maxAbsDiff(y, expected)).toBeLessThan(1e-5);
    // Dropout rates only act while training.
    const withDrop = make({ ...args, attnDrop: 0.5, projDrop: 0.5 });
    tf.tidy(() => {
      withDrop.apply(x);
      withDrop.setWeights(layer.getWeights());
    });
    const inference = run(withDrop, x, { training: false });
    expect(maxAbsDiff(inference, expected)).toBe(0);
    tf.dispose([y, expected, inference]);
    expect(tf.memory().numTensors).toBe(before + withDrop.weights.length);
    withDrop.dispose();
    layer.dispose();
    x.dispose();
  });

  it.each(cases)('$name: attentionWeights, applied to the layer\'s values, gives the layer\'s output', ({ make, shape, args }) => {
    const layer = make(args);
    const x = randn(shape, 12);
    buildWithRandomWeights(layer, x, 200);
    const before = tf.memory().numTensors;
    const attn = layer.attentionWeights(x);
    const window = [args.kernelSize].flat();
    const slots = shape.length === 4 && window.length === 1 ? window[0]! ** 2 : window.reduce((a, b) => a * b, 1);
    expect(attn.shape).toEqual([...shape.slice(0, -1), args.numHeads, slots]);
    const sums = tf.tidy(() => tf.sum(attn, -1));
    expect(tf.tidy(() => maxAbsDiff(sums, tf.onesLike(sums)))).toBeLessThan(1e-5);
    const [y, rebuilt] = [run(layer, x), handComposition(layer, x, args, attn)];
    expect(maxAbsDiff(y, rebuilt)).toBeLessThan(1e-5);
    tf.dispose([attn, sums, y, rebuilt]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => tf.tidy(() => layer.attentionWeights(tf.zeros([1, 4, 4])))).toThrow(/attentionWeights needs the layer's input/);
    layer.dispose();
    x.dispose();
  });

  it('training with attnDrop takes the split path, which agrees with the fused op', () => {
    for (const [i, { make, shape, args }] of cases.entries()) {
      const x = randn(shape, 20 + i);
      // A rate that rounds keepProb to 1 in float32: dropout keeps everything, so only the path differs.
      const layer = make({ ...args, attnDrop: 1e-9 });
      buildWithRandomWeights(layer, x, 200);
      const before = tf.memory().numTensors;
      const split = run(layer, x, { training: true });
      const fused = run(layer, x);
      expect(maxAbsDiff(split, fused)).toBeLessThan(1e-5);
      tf.dispose([split, fused]);
      expect(tf.memory().numTensors).toBe(before);

      // Real dropout: random, finite, and no leaked tensors.
      const dropping = make({ ...args, attnDrop: 0.5, projDrop: 0.25 });
      buildWithRandomWeights(dropping, x, 200);
      const start = tf.memory().numTensors;
      const a = run(dropping, x, { training: true });
      const b = run(dropping, x, { training: true });
      expect(maxAbsDiff(a, b)).toBeGreaterThan(0);
      expect(a.dataSync().every(Number.isFinite)).toBe(true);
      tf.dispose([a, b]);
      expect(tf.memory().numTensors).toBe(start);
      layer.dispose();
      dropping.dispose();
      x.dispose();
    }
  });

  it('round-trips through model.save and tf.loadLayersModel', async () => {
    const in2 = tf.input({ shape: [9, 11, 16] });
    const in1 = tf.input({ shape: [19, 12] });
    const na2 = new NeighborhoodAttention2D({ numHeads: 2, kernelSize: [5, 3], dilation: [1, 3], qkScale: 0.25, name: 'na2' });
    const na1 = new NeighborhoodAttention1D({ numHeads: 3, kernelSize: 4, isCausal: true, relPosBias: false, qkvBias: false });
    const model = tf.model({
      inputs: [in2, in1],
      outputs: [na2.apply(in2) as tf.SymbolicTensor, na1.apply(in1) as tf.SymbolicTensor],
    });
    model.setWeights(model.getWeights().map((w, i) => randn(w.shape, 300 + i, 0.5)));

    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    if (saved === undefined) throw new Error('save handler was not called');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved));

    const names = (m: tf.LayersModel) => m.weights.map((w) => w.originalName);
    expect(names(loaded)).toEqual(names(model));
    expect(names(model)).toEqual([
      'na2/qkv/kernel', 'na2/qkv/bias', 'na2/rpb', 'na2/proj/kernel', 'na2/proj/bias',
      `${na1.name}/qkv/kernel`, `${na1.name}/proj/kernel`, `${na1.name}/proj/bias`,
    ]);
    expect(saved.weightSpecs?.map((s) => s.name)).toEqual(names(model));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
    expect(loaded.getLayer('na2')).toBeInstanceOf(NeighborhoodAttention2D);
    expect(loaded.getLayer(na1.name)).toBeInstanceOf(NeighborhoodAttention1D);
    expect(loaded.getLayer('na2').getConfig()).toEqual(na2.getConfig());
    expect(loaded.getLayer(na1.name).getConfig()).toEqual(na1.getConfig());

    const xs = [randn([2, 9, 11, 16], 1), randn([2, 19, 12], 2)];
    const expected = model.predict(xs) as tf.Tensor[];
    const actual = loaded.predict(xs) as tf.Tensor[];
    for (let i = 0; i < 2; i++) expect(maxAbsDiff(actual[i]!, expected[i]!)).toBe(0);
    tf.dispose([...xs, ...expected, ...actual]);
    model.dispose();
    loaded.dispose();
  });

  it('round-trips a 3-D layer with stride and GQA through model.save and tf.loadLayersModel', async () => {
    const input = tf.input({ shape: [4, 5, 6, 8] });
    const layer = new NeighborhoodAttention3D({ numHeads: 4, numKVHeads: 2, kernelSize: [2, 3, 4], stride: [2, 1, 4], name: 'na3' });
    const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
    model.setWeights(model.getWeights().map((w, i) => randn(w.shape, 500 + i, 0.5)));
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    expect(loaded.getLayer('na3')).toBeInstanceOf(NeighborhoodAttention3D);
    expect(loaded.getLayer('na3').getConfig()).toEqual(layer.getConfig());
    expect(layer.getConfig()).toMatchObject({ stride: [2, 1, 4], numKvHeads: 2 });
    expect(loaded.getWeights().map((w) => w.shape)).toEqual([[8, 16], [16], [4, 3, 5, 7], [8, 8], [8]]);
    const x = randn([1, 4, 5, 6, 8], 3);
    const [expected, actual] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(maxAbsDiff(actual, expected)).toBe(0);
    tf.dispose([x, expected, actual]);
    model.dispose();
    loaded.dispose();
  });

  describe('argument errors', () => {
    it('rejects a dim that numHeads does not divide, naming the layer', () => {
      expect(() => new NeighborhoodAttention2D({ dim: 16, numHeads: 3, kernelSize: 3, name: 'bad' })).toThrow(
        /NeighborhoodAttention2D 'bad'.*dim \(16\).*numHeads \(3\)/,
      );
      const inferred = new NeighborhoodAttention1D({ numHeads: 5, kernelSize: 3, name: 'inferred' });
      expect(() => tf.tidy(() => run(inferred, tf.zeros([1, 8, 12])))).toThrow(/NeighborhoodAttention1D 'inferred'.*dim \(12\).*numHeads \(5\)/);
      const mismatch = new NeighborhoodAttention2D({ dim: 8, numHeads: 2, kernelSize: 3 });
      expect(() => tf.tidy(() => run(mismatch, tf.zeros([1, 5, 5, 12])))).toThrow(/dim is 8 but the input has 12 channels/);
    });

    it('rejects relPosBias with isCausal', () => {
      expect(() => new NeighborhoodAttention1D({ numHeads: 2, kernelSize: 3, isCausal: true })).toThrow(/relPosBias cannot be combined with isCausal/);
      expect(() => new NeighborhoodAttention2D({ numHeads: 2, kernelSize: 3, isCausal: [false, true], relPosBias: true })).toThrow(
        /relPosBias cannot be combined with isCausal/,
      );
      expect(() => new NeighborhoodAttention1D({ numHeads: 2, kernelSize: 3, isCausal: true, relPosBias: false })).not.toThrow();
    });

    it("propagates the op's error when kernelSize*dilation exceeds the input", () => {
      const layer = new NeighborhoodAttention2D({ numHeads: 2, kernelSize: 5, dilation: 2 });
      expect(() => tf.tidy(() => run(layer, tf.zeros([1, 9, 11, 16])))).toThrow(/kernelSize\*dilation/);
      const layer1 = new NeighborhoodAttention1D({ numHeads: 2, kernelSize: 7 });
      expect(() => tf.tidy(() => run(layer1, tf.zeros([1, 6, 8])))).toThrow(/kernelSize\*dilation/);
    });

    it('rejects malformed arguments', () => {
      expect(() => new NeighborhoodAttention2D({ numHeads: 2, kernelSize: [3, 3, 3] })).toThrow(/kernelSize must have 2 value/);
      expect(() => new NeighborhoodAttention2D({ numHeads: 0, kernelSize: 3 })).toThrow(/numHeads must be a positive integer/);
      expect(() => new NeighborhoodAttention2D({ numHeads: 2, kernelSize: 3, stride: [1, 4] })).toThrow(
        /stride must be an integer with 1 <= stride <= kernelSize on every axis; got stride \[1, 4\], kernelSize \[3, 3\]/,
      );
      expect(() => new NeighborhoodAttention3D({ numHeads: 4, numKVHeads: 3, kernelSize: 3 })).toThrow(
        /NeighborhoodAttention3D .*numKVHeads must be a positive integer dividing numHeads \(4\); got 3/,
      );
      expect(() => new NeighborhoodAttention3D({ numHeads: 2, kernelSize: [3, 3] })).toThrow(/kernelSize must have 3 value/);
      expect(() => new NeighborhoodAttention2D({ numHeads: 2, kernelSize: 3, attnDrop: 1 })).toThrow(/attnDrop/);
      const layer = new NeighborhoodAttention2D({ numHeads: 2, kernelSize: 3 });
      expect(() => tf.tidy(() => run(layer, tf.zeros([1, 5, 8])))).toThrow(/rank 4/);
    });
  });

  it.each(cases)('$name: every trainable weight gets a non-zero, finite gradient', ({ make, shape, args }) => {
    for (const training of [false, true]) {
      const layer = make({ ...args, attnDrop: training ? 0.1 : 0 });
      const x = randn(shape, 40);
      buildWithRandomWeights(layer, x, 400);
      const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.mul(run(layer, x, { training }), randn(shape, 41))) as tf.Scalar,
        vars,
      );
      expect(Object.keys(grads).length).toBe(vars.length);
      for (const w of layer.trainableWeights) {
        const g = grads[(w.read() as tf.Variable).name]!;
        expect(g.shape, w.originalName).toEqual(w.shape);
        const values = g.dataSync();
        expect(values.every(Number.isFinite), `${w.originalName} finite (training ${training})`).toBe(true);
        expect(values.some((v) => v !== 0), `${w.originalName} non-zero (training ${training})`).toBe(true);
      }
      tf.dispose([value, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      layer.dispose();
      x.dispose();
    }
  });
});
