// SPDX-License-Identifier: MIT
// DropPath and SeededDropout draw one seed per training call from the active random source: the output equals
// tfjs's own random op given that seed (the independent reference), successive calls use successive draws
// (fresh masks every step), replaying the draws repeats the masks exactly, and inference is the identity.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { withRandomSource, type RandomSource } from '@natzoo/core';
import { DropPath, SeededDropout } from '@natzoo/models/advanced';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A source handing out `draws` in order, and failing when they run out. */
function replaying(draws: readonly number[]): RandomSource & { used: () => number } {
  let next = 0;
  return {
    float: () => {
      if (next >= draws.length) throw new Error('source exhausted');
      return draws[next++]!;
    },
    used: () => next,
  };
}

const x = () => tf.add(tf.randomNormal([16, 3, 4, 5], 0, 1, 'float32', 3), 2);

/** timm's drop path from tfjs ops with an explicit seed. */
function referenceDropPath(input: tf.Tensor, rate: number, seed: number): tf.Tensor {
  const keep = 1 - rate;
  const mask = tf.floor(tf.randomUniform([input.shape[0]!, 1, 1, 1], keep, 1 + keep, 'float32', seed));
  return tf.mul(tf.div(input, keep), mask);
}

const LAYERS = [
  { name: 'DropPath', make: (rate: number) => new DropPath({ rate }), reference: referenceDropPath },
  { name: 'SeededDropout', make: (rate: number) => new SeededDropout({ rate }), reference: (input: tf.Tensor, rate: number, seed: number) => tf.dropout(input, rate, undefined, seed) },
];

describe.each(LAYERS)('$name', ({ make, reference }) => {
  it('uses one draw of the active source per training call, as the seed of tfjs\'s random op', () => {
    const layer = make(0.5);
    const input = x();
    const source = replaying([0.25, 0.75]);
    const [first, second] = withRandomSource(source, () => [0, 1].map(() => layer.apply(input, { training: true }) as tf.Tensor));
    expect(source.used()).toBe(2);
    expect([...first!.dataSync()]).toEqual([...reference(input, 0.5, 0.25).dataSync()]);
    expect([...second!.dataSync()]).toEqual([...reference(input, 0.5, 0.75).dataSync()]);
    // Fresh masks per call: the two calls drop different entries.
    expect([...first!.dataSync()]).not.toEqual([...second!.dataSync()]);
  });

  it('repeats its masks when the draws are replayed', () => {
    const layer = make(0.3);
    const input = x();
    const run = () => withRandomSource(replaying([0.125, 0.5, 0.875]), () => [0, 1, 2].map(() => [...(layer.apply(input, { training: true }) as tf.Tensor).dataSync()]));
    expect(run()).toEqual(run());
  });

  it('is the identity at inference and draws nothing', () => {
    const layer = make(0.5);
    const input = x();
    const source = replaying([]);
    const out = withRandomSource(source, () => layer.apply(input) as tf.Tensor);
    expect([...out.dataSync()]).toEqual([...input.dataSync()]);
    expect(source.used()).toBe(0);
  });

  it('rejects a rate outside [0, 1), naming it', () => {
    expect(() => make(1)).toThrow(/rate must be in \[0, 1\); got 1/);
    expect(() => make(-0.1)).toThrow(/got -0.1/);
  });
});

describe('SeededDropout serialization', () => {
  it('round-trips its rate through a saved model', async () => {
    const inputs = tf.input({ shape: [4] });
    const model = tf.model({ inputs, outputs: new SeededDropout({ name: 'drop', rate: 0.2 }).apply(inputs) as tf.SymbolicTensor });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const layer = loaded.getLayer('drop');
    expect(layer).toBeInstanceOf(SeededDropout);
    expect((layer as SeededDropout).rate).toBe(0.2);
  });
});
