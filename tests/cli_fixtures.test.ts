// SPDX-License-Identifier: MIT
// Every CCT/CVT/ViT-Lite model fixture in ../shared/fixtures/models/index.json (built by the upstream PyTorch
// code) through `natzoo convert --config <its kwargs>`, which must account for every key; `natzoo predict` on
// its NCHW input must reproduce its output, and its other checkpoint files (timm training checkpoint) load too.
// The first fixture runs through the built bin; the rest in this process (convertCli parses the same options,
// predict is the command's function), which keeps the suite fast.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readNpy } from '@natzoo/train';
import { convertCli } from '../packages/cli/src/commands/convert.js';
import { predict } from '../packages/cli/src/predict.js';
import { baseModelFor, modelFixtureIndex, scaledError, upstreamSymbol } from './support/model_fixtures.js';
import { repoRoot, sharedPath } from './support/shared_dir.js';

const run = promisify(execFile);
const cli = resolve(repoRoot, 'packages/cli/dist/main.js');

const fixtures = modelFixtureIndex().filter((entry) => entry.upstream.startsWith('SHI-Labs/Compact-Transformers@'));

beforeAll(async () => {
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
});

describe('natzoo convert --config and natzoo predict on the upstream model fixtures', () => {
  const work = mkdtempSync(join(tmpdir(), 'natzoo-fixtures-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('covers the CCT, CVT and ViT-Lite fixtures', () => {
    expect(fixtures.map((f) => f.name.split('_')[0]).sort()).toEqual(expect.arrayContaining(['cct', 'cvt', 'vit']));
  });

  it.each(fixtures.map((f, i) => [f.name, f, i === 0] as const))('%s', async (name, entry, viaBin) => {
    const dir = sharedPath('fixtures', 'models', name);
    const kwargs = join(work, `${name}.json`);
    writeFileSync(kwargs, JSON.stringify(entry.kwargs));
    const convert = async (checkpoint: string, out: string) => {
      const args = [join(dir, checkpoint), '--model', baseModelFor(upstreamSymbol(entry)), '--config', kwargs, '--out', out];
      const lines: string[] = [];
      if (viaBin) lines.push((await run(process.execPath, [cli, 'convert', ...args])).stdout);
      else await convertCli(args, (l) => lines.push(l));
      expect(lines.join('\n'), checkpoint).toMatch(/weights loaded, 0 missing, 0 unused/);
    };
    const out = join(work, name);
    await convert(entry.checkpoint, out);

    const predicted = join(work, `${name}.npy`);
    if (viaBin) await run(process.execPath, [cli, 'predict', '--model', out, '--input', join(dir, entry.input), '--layout', 'nchw', '--out', predicted, '--backend', 'wasm']);
    else await predict({ model: out, input: join(dir, entry.input), out: predicted, layout: 'nchw' });
    const [ours, upstream] = [await readNpy(predicted), await readNpy(join(dir, entry.output))];
    expect(ours.shape).toEqual(upstream.shape);
    const { maxAbs: worst, relative } = scaledError(ours.data as Float32Array, upstream.data as Float32Array);
    console.log(`${name}: predict max |diff| ${worst.toExponential(2)} (${relative.toExponential(2)} of max |output|)`);
    expect(relative).toBeLessThan(1e-4);

    // preprocess.json states the input size the converted architecture takes (the kwargs' img_size).
    const pre = JSON.parse(readFileSync(join(out, 'preprocess.json'), 'utf8')) as { inputSize: number[] };
    const [, , h, w] = (await readNpy(join(dir, entry.input))).shape;
    expect(pre.inputSize).toEqual([3, h, w]);

    // Other files of the same weights (a timm training checkpoint, ...) convert to the same weights.
    for (const other of entry.also ?? []) {
      const again = join(work, `${name}-${other}`);
      await convert(other, again);
      expect(readFileSync(join(again, 'weights.bin')).equals(readFileSync(join(out, 'weights.bin'))), other).toBe(true);
    }
  });
});
