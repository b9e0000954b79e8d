// SPDX-License-Identifier: MIT
// Every NAT, DiNAT, DiNAT_s, isotropic and ConvMLP model fixture in ../shared/fixtures/models/index.json (built by
// the upstream PyTorch code) through `natzoo convert --config <its kwargs> --input-size <its input side>` with
// zero unexplained keys, then `natzoo predict` on its NCHW input must reproduce its output to 1e-4 of scale.
// The commands run in this process (convertCli parses the same options as the bin; predict is the command's
// function), which keeps the suite fast; the CCT suite beside this one runs the built bin itself.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '@natzoo/train';
import { convertCli } from '../packages/cli/src/commands/convert.js';
import { predict } from '../packages/cli/src/predict.js';
import { baseModelFor, modelFixtureIndex, scaledError, upstreamSymbol } from './support/model_fixtures.js';
import { sharedPath } from './support/shared_dir.js';

// StyleNAT's generator fixture has its own suite; CCT/CVT/ViT-Lite run through the bin in cli_fixtures.test.ts.
const fixtures = modelFixtureIndex().filter((e) => e.name !== 'stylenat_legacy_64' && !e.upstream.startsWith('SHI-Labs/Compact-Transformers@'));

beforeAll(async () => {
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
});

describe('natzoo convert --config and natzoo predict on the NAT-family and ConvMLP fixtures', () => {
  const work = mkdtempSync(join(tmpdir(), 'natzoo-nat-fixtures-'));
  const rows: string[] = [];
  afterAll(() => {
    console.log(['fixture | unexplained keys | max abs error | relative to max |output|', ...rows].join('\n'));
    rmSync(work, { recursive: true, force: true });
  });

  it('covers NAT, DiNAT, DiNAT_s, the isotropic models and ConvMLP', () => {
    const symbols = new Set(fixtures.map(upstreamSymbol));
    expect([...symbols].sort()).toEqual(['DiNAT', 'DiNAT_s', 'NAT', 'NATIsotropic', '_convmlp']);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s', async (name, entry) => {
    const dir = sharedPath('fixtures', 'models', name);
    const config = join(work, `${name}.json`);
    writeFileSync(config, JSON.stringify(entry.kwargs));
    const input = await readNpy(join(dir, entry.input));
    const side = String(input.shape[2]);
    const out = join(work, name);
    const printed: string[] = [];
    const report = await convertCli([join(dir, entry.checkpoint), '--model', baseModelFor(upstreamSymbol(entry)), '--config', config, '--input-size', side, '--out', out], (l) => printed.push(l));
    expect(printed[0]).toMatch(/weights loaded, 0 missing, 0 unused/);
    const unexplained = report.missing.length + report.unused.length + report.shapeMismatch.length + report.rejected.length;
    expect(unexplained).toBe(0);
    // Only derivable buffers may be skipped: ViT-rpb's index table and BatchNorm's step counter.
    for (const { key } of report.ignored) expect(key).toMatch(/(relative_position_index|num_batches_tracked)$/);

    const predicted = join(work, `${name}.npy`);
    await predict({ model: out, input: join(dir, entry.input), out: predicted, layout: 'nchw' });
    const [ours, upstream] = [await readNpy(predicted), await readNpy(join(dir, entry.output))];
    expect(ours.shape).toEqual(upstream.shape);
    const { maxAbs: worst, relative } = scaledError(ours.data as Float32Array, upstream.data as Float32Array);
    rows.push(`${name} | ${unexplained} | ${worst.toExponential(2)} | ${relative.toExponential(2)}`);
    expect(relative).toBeLessThan(1e-4);

    const pre = JSON.parse(readFileSync(join(out, 'preprocess.json'), 'utf8')) as { inputSize: number[] };
    expect(pre.inputSize).toEqual([3, input.shape[2], input.shape[3]]);

    // The same weights in another container (ConvMLP's legacy, pre-1.6 file) give identical weights.
    for (const other of entry.also ?? []) {
      const again = join(work, `${name}-${other}`);
      await convertCli([join(dir, other), '--model', baseModelFor(upstreamSymbol(entry)), '--config', config, '--input-size', side, '--out', again], () => undefined);
      expect(readFileSync(join(again, 'weights.bin')).equals(readFileSync(join(out, 'weights.bin'))), other).toBe(true);
    }
  });

  it("takes the input size from --config's input_size (timm's spelling) as from --input-size", async () => {
    const entry = fixtures.find((f) => f.name === 'nat_k3_96')!;
    const config = join(work, 'k3_input_size.json');
    writeFileSync(config, JSON.stringify({ ...entry.kwargs, input_size: [3, 96, 96] }));
    const out = join(work, 'k3_input_size');
    await convertCli([join(sharedPath('fixtures', 'models', entry.name), entry.checkpoint), '--model', baseModelFor(upstreamSymbol(entry)), '--config', config, '--out', out], () => undefined);
    expect((JSON.parse(readFileSync(join(out, 'preprocess.json'), 'utf8')) as { inputSize: number[] }).inputSize).toEqual([3, 96, 96]);
    expect(readFileSync(join(out, 'weights.bin')).equals(readFileSync(join(work, entry.name, 'weights.bin')))).toBe(true);
  });

  it('refuses an --input-size that contradicts the config', async () => {
    const entry = fixtures.find((f) => 'img_size' in f.kwargs)!;
    const config = join(work, 'iso.json');
    writeFileSync(config, JSON.stringify(entry.kwargs));
    const out = join(work, 'contradiction');
    await expect(
      convertCli([join(sharedPath('fixtures', 'models', entry.name), entry.checkpoint), '--model', baseModelFor(upstreamSymbol(entry)), '--config', config, '--input-size', '96', '--out', out], () => undefined),
    ).rejects.toThrow(/--input-size 96: disagrees with config\.img_size 224/);
  });
});
