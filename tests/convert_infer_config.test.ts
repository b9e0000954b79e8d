// SPDX-License-Identifier: MIT
// Config inference in `natzoo convert`: every classifier fixture in ../shared/fixtures/models (built by the
// upstream PyTorch code) converted with its kwargs removed, naming only its family (`--model dinat`). The
// arguments read from the weights must equal the fixture's kwargs, only what the weights cannot show may be
// asked for (and is then supplied from the fixture's kwargs alone), and the converted model must reproduce the
// fixture's output. Prints the table: fixture, fields inferred, fields from a variant, fields asked, error.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigInferenceError, inferConfig, loadStateDict, readNpy } from '@natzoo/train';
import type { ConfigInference } from '@natzoo/train';
import { convertCli } from '../packages/cli/src/commands/convert.js';
import { predict } from '../packages/cli/src/predict.js';
import { modelFixtureIndex, scaledError, upstreamSymbol } from './support/model_fixtures.js';
import { sharedPath } from './support/shared_dir.js';

/** The family each upstream class or builder belongs to (what a user who knows only the paper would pass). */
const FAMILY_FOR_SYMBOL: Record<string, string> = {
  _cct: 'cct', CCT: 'cct', cct_2_3x2_32: 'cct', _cvt: 'cvt', _vit_lite: 'vit_lite', NAT: 'nat', DiNAT: 'dinat', DiNAT_s: 'dinat_s',
  NATIsotropic: 'isotropic', _convmlp: 'convmlp',
};

const all = modelFixtureIndex();
const fixtures = all.filter((e) => FAMILY_FOR_SYMBOL[upstreamSymbol(e)] !== undefined);
const notClassifiers = all.filter((e) => !fixtures.includes(e)).map((e) => e.name);

beforeAll(async () => {
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
});

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

describe('natzoo convert without --config: the architecture read from the weights', () => {
  const work = mkdtempSync(join(tmpdir(), 'natzoo-infer-'));
  const rows: string[] = [];
  afterAll(() => {
    console.log(['fixture | --model | fields inferred | from a variant | fields asked for | max abs error | relative', ...rows].join('\n'));
    if (notClassifiers.length > 0) console.log(`not in this table: ${notClassifiers.join(', ')} (StyleNAT is converted by its own path, which reads the legacy head layout from the keys and takes its generator options from --config)`);
    rmSync(work, { recursive: true, force: true });
  });

  it('covers every classifier family among the fixtures', () => {
    expect(new Set(fixtures.map((f) => FAMILY_FOR_SYMBOL[upstreamSymbol(f)]))).toEqual(new Set(['cct', 'cvt', 'vit_lite', 'nat', 'dinat', 'dinat_s', 'isotropic', 'convmlp']));
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s', async (name, entry) => {
    const dir = sharedPath('fixtures', 'models', name);
    const family = FAMILY_FOR_SYMBOL[upstreamSymbol(entry)]!;
    const checkpoint = join(dir, entry.checkpoint);
    let inference: ConfigInference;
    try {
      inference = await inferConfig(await loadStateDict(checkpoint), { model: family });
    } catch (error) {
      if (!(error instanceof ConfigInferenceError)) throw error;
      inference = error.inference;
    }
    // Every argument read from the weights that the fixture's constructor was given equals the given value.
    for (const field of inference.inferred) {
      if (field.kwarg in entry.kwargs) expect(field.value, `${name} ${field.kwarg}`).toEqual(entry.kwargs[field.kwarg]);
    }
    for (const field of inference.fromVariant) {
      if (field.kwarg in entry.kwargs) expect(field.value, `${name} ${field.kwarg} from ${field.variant}`).toEqual(entry.kwargs[field.kwarg]);
    }
    // Only what the weights cannot show is asked, and the fixture's kwargs answer it.
    for (const asked of inference.asked) expect(['dilations', 'dilation', 'num_heads']).toContain(asked.kwarg);
    const answers = Object.fromEntries(inference.asked.map((a) => [a.kwarg, entry.kwargs[a.kwarg]]));

    const input = await readNpy(join(dir, entry.input));
    const args = [checkpoint, '--model', family, '--out', join(work, name)];
    if (inference.asked.length > 0) {
      // The CLI asks the same question in flags.
      await expect(convertCli([...args.slice(0, -2), '--out', join(work, `${name}-asked`)], () => undefined)).rejects.toThrow(/--config with/);
      writeFileSync(join(work, `${name}.json`), JSON.stringify(answers));
      args.push('--config', join(work, `${name}.json`));
    }
    // NAT-family and ConvMLP weights fit any input size, so a size other than the variant's is given.
    if (!inference.inferred.some((f) => f.kwarg === 'img_size')) args.push('--input-size', String(input.shape[2]));
    const printed: string[] = [];
    const report = await convertCli(args, (l) => printed.push(l));
    expect(printed[0]).toMatch(/weights loaded, 0 missing, 0 unused/);
    expect(printed.slice(1).join('\n')).toMatch(/^read from the weights: /);
    expect(report.missing.length + report.unused.length + report.shapeMismatch.length + report.rejected.length).toBe(0);

    const predicted = join(work, `${name}.npy`);
    await predict({ model: join(work, name), input: join(dir, entry.input), out: predicted, layout: 'nchw' });
    const [ours, upstream] = [await readNpy(predicted), await readNpy(join(dir, entry.output))];
    expect(ours.shape).toEqual(upstream.shape);
    const { maxAbs, relative } = scaledError(ours.data as Float32Array, upstream.data as Float32Array);
    rows.push(
      [
        name,
        `${family} -> ${inference.base}`,
        inference.inferred.map((f) => `${f.kwarg}=${show(f.value)}`).join(' '),
        inference.fromVariant.map((f) => `${f.kwarg} (${f.variant})`).join(' ') || '-',
        inference.asked.map((a) => `${a.kwarg}=${show(answers[a.kwarg])}`).join(' ') || '-',
        maxAbs.toExponential(2),
        relative.toExponential(2),
      ].join(' | '),
    );
    expect(relative).toBeLessThan(1e-4);
  });

  it('converts a checkpoint that fits a registered variant exactly with just the family name', async () => {
    const checkpoint = sharedPath('fixtures', 'models', 'cct_2_3x2_32_random', 'checkpoint.pth');
    const inference = await inferConfig(await loadStateDict(checkpoint), { model: 'cct' });
    expect(inference.base).toBe('cct_2_3x2_32');
    expect(inference.asked).toEqual([]);
  });

  it('converts a NAT checkpoint of another size with just --model nat_mini', async () => {
    const dir = sharedPath('fixtures', 'models', 'nat_k3_96');
    const printed: string[] = [];
    const report = await convertCli([join(dir, 'state_dict.pth'), '--model', 'nat_mini', '--input-size', '96', '--out', join(work, 'nat_mini_k3')], (l) => printed.push(l));
    expect(report.missing).toEqual([]);
    expect(printed[1]).toBe('read from the weights: embed_dim 16, depths [1,1,2,1], num_heads [1,2,2,4], kernel_size 3, mlp_ratio 2, qkv_bias true, layer_scale null, in_chans 3, num_classes 1000, dilations null');
  });

  it('asks "NAT or DiNAT?" with the candidates when no DiNAT variant has the depths', async () => {
    const checkpoint = sharedPath('fixtures', 'models', 'nat_k7_224', 'state_dict.pth');
    const attempt = convertCli([checkpoint, '--model', 'dinat', '--out', join(work, 'dinat_asked')], () => undefined);
    await expect(attempt).rejects.toThrow(/cannot build dinat_\w+ from these weights without dilations[^]*read from the weights: embed_dim 16, depths \[1,1,2,1\][^]*dilations: NAT or DiNAT\?[^]*--config with dilations: one list per level, of lengths \[1, 1, 2, 1\] \(all 1 is NAT\)/);
  });

  it('names the registered variants that would answer, when variants of the same structure disagree', async () => {
    const checkpoint = sharedPath('fixtures', 'models', 'dinat_isotropic_224', 'state_dict.pth');
    const attempt = convertCli([checkpoint, '--model', 'isotropic', '--out', join(work, 'iso_asked')], () => undefined);
    await expect(attempt).rejects.toThrow(/dilation: isotropic NAT or DiNAT\?[^]*pass --model dinat_isotropic_base \/ dinat_isotropic_small \/ nat_isotropic_base \/ nat_isotropic_small, or --config with dilation: an integer: 1 \(NAT\) or 2 \(DiNAT\)/);
  });

  it('lets --config win over the weights (a wrong value then fails the port, naming the key)', async () => {
    const dir = sharedPath('fixtures', 'models', 'convmlp_tiny_224');
    writeFileSync(join(work, 'wrong.json'), JSON.stringify({ dims: [16, 32, 128] }));
    await expect(convertCli([join(dir, 'checkpoint.pth'), '--model', 'convmlp', '--config', join(work, 'wrong.json'), '--out', join(work, 'wrong')], () => undefined)).rejects.toThrow(/stages\.2/);
  });
});
