// SPDX-License-Identifier: MIT
// Models at input sizes other than the one they were built for. NAT, DiNAT and ConvMLP fixtures (upstream
// weights) run at larger, smaller and non-square sizes and must give the logits of the torch peer
// (scripts/peers/zoo_modules.py, checked first against the fixture's upstream logits at its own size); sizes a
// model refuses give an InputSizeError that says what it takes, in the library and as `natzoo classify --input-size`.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyStateDict, classifierFromModel, createModel, evalGeometry, forwardFeatures, InputSizeError } from '@natzoo/models';
import type { ModelName, ModelPreprocess } from '@natzoo/models';
import { loadConvMLPStateDict, predictAtAnySize } from '@natzoo/models/advanced';
import { loadStateDict, saveModelDir } from '@natzoo/train';
import { baseModelFor, readFloat32, scaledError } from './support/model_fixtures.js';
import { PYTHON, torchEnv } from './support/python_torch.js';
import { repoRoot, sharedPath } from './support/shared_dir.js';

const run = promisify(execFile);
const cli = resolve(repoRoot, 'packages/cli/dist/main.js');
const work = mkdtempSync(join(tmpdir(), 'natzoo-input-size-'));

beforeAll(async () => {
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fixture's model built at its own size with its upstream weights (padInput: small maps zero-padded). */
async function fixtureModel(name: string, padInput = false): Promise<tf.LayersModel> {
  const dir = sharedPath('fixtures', 'models', name);
  if (existsSync(join(dir, 'config.json'))) {
    // ConvMLP fixtures: constructor kwargs in config.json, a checkpoint with BatchNorm statistics.
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { constructor_kwargs: Record<string, unknown> };
    const model = createModel('convmlp_s', config.constructor_kwargs);
    await loadConvMLPStateDict(model, await loadStateDict(join(dir, 'checkpoint.pth')));
    return model;
  }
  const fixture = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as { upstream_class: string; constructor_kwargs: Record<string, unknown>; input_shape: number[] };
  const base = baseModelFor(fixture.upstream_class) as ModelName;
  const model = createModel(base, { ...fixture.constructor_kwargs, imgSize: fixture.input_shape[2], padInput } as never);
  const report = await applyStateDict(base, model, await loadStateDict(join(dir, 'state_dict.pth')));
  expect([report.missing, report.unused, report.shapeMismatch]).toEqual([[], [], []]);
  return model;
}

/** The upstream logits of a fixture's own input. */
const upstreamLogits = (name: string) => {
  const dir = sharedPath('fixtures', 'models', name);
  return readFloat32(join(dir, existsSync(join(dir, 'logits.npy')) ? 'logits.npy' : 'output.npy'));
};

const preprocessFor = (name: string, side: number, classes: number): ModelPreprocess => ({
  model: name,
  inputSize: [3, side, side],
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  cropPct: 0.875,
  interpolation: 'bicubic',
  labels: Array.from({ length: classes }, (_, i) => `class ${i}`),
});

const CASES: [string, [number, number][]][] = [
  ['nat_k3_96', [[128, 160], [80, 112]]],
  ['dinat_mini_pattern_224', [[256, 320]]],
  // Sides that are no multiple of ConvMLP's stride of 32: its convs take any size, as upstream's do.
  ['convmlp_tiny_224', [[200, 232], [97, 131]]],
];

describe.skipIf(!torchEnv.available)('other input sizes against the torch peer', () => {
  it.each(CASES)('%s at %j gives the peer logits', async (name, sizes) => {
    const out = mkdtempSync(join(work, `${name}-`));
    await run(PYTHON, [resolve(repoRoot, 'scripts/peers/logits_at_size.py'), sharedPath('fixtures', 'models', name), out, JSON.stringify(sizes)]);
    // The peer is the reference only because it gives upstream's logits at the fixture's own size.
    const upstream = await upstreamLogits(name);
    expect(scaledError((await readFloat32(join(out, 'logits_fixture.npy'))).data, upstream.data).relative).toBeLessThan(1e-4);

    const model = await fixtureModel(name);
    const classifier = classifierFromModel(model, preprocessFor(name, model.inputs[0]!.shape[1]!, 1000), name, { inputSize: sizes[0]! });
    expect(classifier.inputSize).toEqual(sizes[0]);
    try {
      for (const [h, w] of sizes) {
        const input = await readFloat32(join(out, `input_${h}x${w}.npy`));
        const expected = await readFloat32(join(out, `logits_${h}x${w}.npy`));
        const logits = tf.tidy(() => classifier.predict(tf.tensor4d(input.data, [1, h, w, 3])));
        const error = scaledError((await logits.data()) as Float32Array, expected.data);
        logits.dispose();
        console.log(`${name} built at ${model.inputs[0]!.shape[1]}, run at ${h}x${w}: max |diff| ${error.relative.toExponential(2)} of max |logit|`);
        expect(error.relative).toBeLessThan(1e-4);
      }
      const pixels = { width: 300, height: 200, data: new Uint8Array(300 * 200 * 3).map((_, i) => (i * 37) % 251) };
      const top = await classifier.classify(pixels, { topk: 3, inputSize: sizes.at(-1)! });
      expect(top).toHaveLength(3);
    } finally {
      classifier.dispose();
    }
  });
});

describe.skipIf(!torchEnv.available)('maps smaller than a window, padded as transformers pads them (models from the hub)', () => {
  it('nat_k3_96 with padInput at 48x48 and 40x56 (below its 65 px minimum) gives the padding peer\'s logits', async () => {
    const sizes: [number, number][] = [[48, 48], [40, 56]];
    const out = mkdtempSync(join(work, 'padded-'));
    await run(PYTHON, [resolve(repoRoot, 'scripts/peers/logits_at_size.py'), sharedPath('fixtures', 'models', 'nat_k3_96'), out, JSON.stringify(sizes), 'pad']);
    const model = await fixtureModel('nat_k3_96', true);
    for (const [h, w] of sizes) {
      const input = await readFloat32(join(out, `input_${h}x${w}.npy`));
      const expected = await readFloat32(join(out, `logits_${h}x${w}.npy`));
      const logits = predictAtAnySize(model, tf.tensor4d(input.data, [1, h, w, 3])) as tf.Tensor;
      const error = scaledError((await logits.data()) as Float32Array, expected.data);
      logits.dispose();
      console.log(`nat_k3_96 padded at ${h}x${w}: max |diff| ${error.relative.toExponential(2)} of max |logit|`);
      expect(error.relative).toBeLessThan(1e-4);
    }
    model.dispose();
  });
});

describe('what a model accepts', () => {
  it('forwardFeatures of a DiNAT built at 224 at 256x320 (a detection-like size)', async () => {
    const model = await fixtureModel('dinat_mini_pattern_224');
    const features = forwardFeatures(model, tf.zeros([1, 256, 320, 3]));
    expect(features.map((f) => f.shape)).toEqual([[1, 64, 80, 16], [1, 32, 40, 32], [1, 16, 20, 64], [1, 8, 10, 128]]);
    tf.dispose(features);
    model.dispose();
  });

  it('a NAT below its smallest size: an InputSizeError naming the layer and the smallest size', async () => {
    const model = await fixtureModel('nat_k3_96');
    // 4x downsampling, then three halvings: the last level needs a 3x3 map, so 65 is the smallest side.
    tf.dispose(predictAtAnySize(model, tf.zeros([1, 65, 65, 3])));
    const small = (() => {
      try {
        predictAtAnySize(model, tf.zeros([1, 64, 64, 3]));
      } catch (error) {
        return error;
      }
      return null;
    })();
    expect(small).toBeInstanceOf(InputSizeError);
    expect(small).toMatchObject({ argument: 'inputSize', minSide: 65, fixedSize: null });
    expect((small as Error).message).toBe(
      `inputSize [64,64]: ${model.name} takes inputs from 65x65 up (layer levels.3.blocks.0.attn: its 2x2 map is smaller than kernelSize*dilation = 3*1 = 3 on axis 0)`,
    );
    model.dispose();
  });

  it("a non-square size is prepared as timm's ResizeKeepRatio and CenterCrop do", () => {
    // floor([128, 160] / 0.875) = [146, 182]; the smaller scale that covers it is 200/146; crop origin rounded half-even.
    expect(evalGeometry(300, 200, [128, 160], 0.875)).toEqual({ resize: { width: 219, height: 146 }, crop: { left: 30, top: 9, width: 160, height: 128 } });
  });

  it('a CCT with a learned positional table takes only its own size', async () => {
    const model = createModel('cct_2_3x2_32', { numClasses: 10 });
    expect(() => classifierFromModel(model, preprocessFor('cct', 32, 10), 'cct', { inputSize: 64 })).toThrow(
      /^inputSize \[64,64\]: cct takes only 32x32 inputs \(layer tokenizer\.flattener: /,
    );
    model.dispose();
  });
});

describe('natzoo classify --input-size', () => {
  const image = resolve(repoRoot, 'checkpoints/samples/0_cat.png');

  it('runs a NAT model directory at another size, and refuses one below its smallest', async () => {
    const dir = join(work, 'nat_k3_96');
    const model = await fixtureModel('nat_k3_96');
    await saveModelDir(model, dir, preprocessFor('nat_k3_96', 96, 1000));
    model.dispose();
    const { stdout } = await run(process.execPath, [cli, 'classify', image, '--model', dir, '--input-size', '128x160', '--json', '--top', '2']);
    const result = JSON.parse(stdout) as { results: { logits: number[]; top: unknown[] }[] };
    expect(result.results[0]!.logits).toHaveLength(1000);
    expect(result.results[0]!.top).toHaveLength(2);
    const refused = await run(process.execPath, [cli, 'classify', image, '--model', dir, '--input-size', '64']).catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stderr: string }).stderr).toContain('natzoo: --input-size [64,64]: nat_k3_96 takes inputs from 65x65 up');
  });

  it('refuses another size for the shipped CCT, saying which it takes', async () => {
    const refused = await run(process.execPath, [cli, 'classify', image, '--input-size', '48']).catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stderr: string }).stderr).toContain('natzoo: --input-size [48,48]: cct_2_3x2_32.cifar10 takes only 32x32 inputs');
  });
});
