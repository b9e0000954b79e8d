// SPDX-License-Identifier: MIT
// loadCCTStateDict on synthetic state_dicts with upstream's exact key lists and shapes (from the fixtures'
// config.json): every key accounted for, layouts transposed, and each kind of mismatch refused before anything
// is written. Numerical parity with the real checkpoints is in tests/cct_parity.test.ts.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel, WeightPortError } from '@natzoo/models';
import { loadCCTStateDict, resizePositionalTable, sineTable } from '@natzoo/models/advanced';
import type { ModelName } from '@natzoo/models';
import type { StateDictTensor } from '@natzoo/models/advanced';
import { sharedPath } from '../../../tests/support/shared_dir.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

interface FixtureConfig {
  upstream: { symbol: string };
  constructor_kwargs: Record<string, unknown>;
  state_dict: [string, number[], string][];
}

const BASE: Record<string, ModelName> = { _cct: 'cct_7_3x1_32', CCT: 'cct_7_3x1_32', _cvt: 'cvt_7_4_32', _vit_lite: 'vit_7_4_32' };

function fixture(name: string) {
  const config = JSON.parse(readFileSync(sharedPath('fixtures', 'models', name, 'config.json'), 'utf8')) as FixtureConfig;
  const build = () => createModel((BASE[config.upstream.symbol] ?? config.upstream.symbol) as 'cct_7_3x1_32', config.constructor_kwargs);
  return { config, build };
}

/** Deterministic distinct values, so a transposition error cannot go unnoticed. */
function tensorOf(shape: number[], seed: number, values?: Float32Array): StateDictTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = values ?? Float32Array.from({ length: size }, (_, i) => Math.sin(seed * 1000 + i * 0.37));
  return { shape, dtype: 'float32', toFloat32: async () => data };
}

function stateDictFor(config: FixtureConfig, edit: (map: Map<string, StateDictTensor>) => void = () => {}) {
  const map = new Map(config.state_dict.map(([key, shape], i) => [key, tensorOf(shape, i + 1)]));
  const pe = map.get('classifier.positional_emb');
  if (pe !== undefined && config.constructor_kwargs['positional_embedding'] === 'sine') {
    const [, n, c] = pe.shape as [number, number, number];
    map.set('classifier.positional_emb', tensorOf([1, n, c], 0, sineTable(n, c)));
  }
  edit(map);
  return map;
}

const weight = (model: tf.LayersModel, name: string) => model.weights.find((w) => w.originalName === name)!.read();

describe('upstream key lists', () => {
  it.each(['cct_2_3x2_32_random', 'cct_3x1_32_tiny', 'cct_3x2_32_sine_tiny', 'cct_7x2_224_tiny', 'cvt_4_32_tiny', 'vit_lite_4_32_tiny'])(
    '%s: every key maps to one weight',
    async (name) => {
      const { config, build } = fixture(name);
      const model = build();
      const stateDict = stateDictFor(config);
      const report = await loadCCTStateDict(model, stateDict);
      const sine = config.constructor_kwargs['positional_embedding'] === 'sine';
      expect(report.loaded).toHaveLength(config.state_dict.length - (sine ? 1 : 0));
      expect([report.missing, report.unused, report.shapeMismatch, report.rejected]).toEqual([[], [], [], []]);
      expect(model.weights).toHaveLength(config.state_dict.length);

      // Linear [out, in] -> [in, out]; conv OIHW -> HWIO; the rest as stored.
      const fc = await stateDict.get('classifier.fc.weight')!.toFloat32();
      const [classes, width] = stateDict.get('classifier.fc.weight')!.shape as [number, number];
      const kernel = weight(model, 'classifier.fc/kernel').arraySync() as number[][];
      expect(kernel[width - 1]![classes - 1]).toBe(fc[(classes - 1) * width + width - 1]);
      expect(kernel[0]![1]).toBe(fc[width]);
      const conv = await stateDict.get('tokenizer.conv_layers.0.0.weight')!.toFloat32();
      const [o, i, kh, kw] = stateDict.get('tokenizer.conv_layers.0.0.weight')!.shape as number[];
      const hwio = weight(model, 'tokenizer.conv_layers.0.0/kernel').arraySync() as number[][][][];
      expect(hwio[kh! - 1]![0]![i! - 1]![o! - 2]).toBe(conv[(((o! - 2) * i! + i! - 1) * kh! + kh! - 1) * kw!]);
      const gamma = await stateDict.get('classifier.norm.weight')!.toFloat32();
      expect(Array.from(weight(model, 'classifier.norm/gamma').dataSync())).toEqual(Array.from(gamma));
      model.dispose();
    },
  );
});

describe('refusals', () => {
  const { config, build } = fixture('cct_2_3x2_32_random');

  async function refused(edit: (map: Map<string, StateDictTensor>) => void, pattern: RegExp) {
    const model = build();
    const before = weight(model, 'classifier.fc/bias').dataSync().slice();
    const error = await loadCCTStateDict(model, stateDictFor(config, edit)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightPortError);
    expect((error as Error).message).toMatch(pattern);
    // Nothing was written.
    expect(Array.from(weight(model, 'classifier.fc/bias').dataSync())).toEqual(Array.from(before));
    model.dispose();
    return (error as WeightPortError).report;
  }

  it('a missing key', async () => {
    const report = await refused((m) => m.delete('classifier.blocks.1.norm1.bias'), /missing .*classifier\.blocks\.1\.norm1\/beta <- classifier\.blocks\.1\.norm1\.bias/);
    expect(report.missing).toEqual(['classifier.blocks.1.norm1/beta <- classifier.blocks.1.norm1.bias']);
  });

  it('an unexplained key', async () => {
    const report = await refused((m) => m.set('classifier.blocks.0.self_attn.qkv.bias', tensorOf([384], 7)), /unused keys \(1\): classifier\.blocks\.0\.self_attn\.qkv\.bias/);
    expect(report.unused).toEqual(['classifier.blocks.0.self_attn.qkv.bias']);
  });

  it('a shape mismatch', async () => {
    await refused(
      (m) => m.set('classifier.fc.weight', tensorOf([100, 128], 8)),
      /classifier\.fc\.weight is \[100, 128\], classifier\.fc\/kernel needs \[10, 128\]/,
    );
  });

  it('a learned table where the model has a sine table', async () => {
    const sine = fixture('cct_3x2_32_sine_tiny');
    const model = sine.build();
    const learned = stateDictFor(sine.config, (m) => m.set('classifier.positional_emb', tensorOf([1, 64, 64], 9)));
    await expect(loadCCTStateDict(model, learned)).rejects.toThrow(/differs from the sine table by .* sinePositionalEmbedding: 'checkpoint'/);
    // ... which loads as stored when asked.
    const report = await loadCCTStateDict(model, learned, { sinePositionalEmbedding: 'checkpoint' });
    expect(report.loaded).toContain('classifier.positional_emb/embedding <- classifier.positional_emb');
    const stored = await learned.get('classifier.positional_emb')!.toFloat32();
    expect(weight(model, 'classifier.positional_emb/embedding').dataSync()[5]).toBe(stored[5]);
    model.dispose();
  });
});

describe('options', () => {
  it('resizes a learnable table to another image size (bilinear, align_corners=False)', async () => {
    // 2x2 -> 4x4 grid, one channel: the corners keep their values, (0, 1) is 0.75 a + 0.25 b.
    const grid = resizePositionalTable(Float32Array.from([1, 2, 3, 4]), 4, 16, 1, 0) as Float32Array;
    expect(Array.from(grid.slice(0, 4))).toEqual([1, 1.25, 1.75, 2]);
    expect(Array.from(grid.slice(12))).toEqual([3, 3.25, 3.75, 4]);
    // A leading class token is carried over untouched.
    expect(Array.from((resizePositionalTable(Float32Array.from([9, 1, 2, 3, 4]), 5, 17, 1, 1) as Float32Array).slice(0, 2))).toEqual([9, 1]);

    const { config } = fixture('cct_2_3x2_32_random');
    const model = createModel('cct_2_3x2_32', { imgSize: 64 }); // 256 tokens instead of 64
    await expect(loadCCTStateDict(model, stateDictFor(config))).rejects.toThrow(/classifier\.positional_emb is \[1, 64, 128\]/);
    const report = await loadCCTStateDict(model, stateDictFor(config), { resizePositionalEmbedding: true });
    expect(report.converted).toEqual([{ weight: 'classifier.positional_emb/embedding', key: 'classifier.positional_emb', note: 'resized to 256 positions (bilinear)' }]);
    model.dispose();
  });

  it('keeps a fresh head for another class count', async () => {
    const { config } = fixture('cct_2_3x2_32_random');
    const model = createModel('cct_2_3x2_32', { numClasses: 5 });
    const report = await loadCCTStateDict(model, stateDictFor(config), { skipClassifier: true });
    expect(report.kept.map((k) => k.weight)).toEqual(['classifier.fc/kernel', 'classifier.fc/bias']);
    expect(report.ignored.map((k) => k.key)).toEqual(['classifier.fc.weight', 'classifier.fc.bias']);
    model.dispose();
  });

  it('reports without throwing when not strict', async () => {
    const { config } = fixture('cct_2_3x2_32_random');
    const model = createModel('cct_2_3x2_32');
    const report = await loadCCTStateDict(model, stateDictFor(config, (m) => m.delete('classifier.norm.weight')), { strict: false });
    expect(report.missing).toEqual(['classifier.norm/gamma <- classifier.norm.weight']);
    expect(report.loaded).toHaveLength(30);
    model.dispose();
  });
});
