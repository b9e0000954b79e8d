// SPDX-License-Identifier: MIT
// Checkpoints that wrap the state_dict, built from the nat_k7_224 fixture's weights: `{'state_dict': ...}`,
// `{'model': ...}`, DataParallel's `module.` prefix, and timm training checkpoints (`state_dict`,
// `state_dict_ema`, `optimizer`, `epoch`, `args`) where `natzoo convert` takes `state_dict` unless `--ema`.
// The wrapped files are written with our torch.save writer (checked against PyTorch in cli_export.test.ts) and,
// when Debian's torch is installed, one more is written by torch.save itself. Each conversion must reproduce
// the fixture's logits when it picks the fixture's weights.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStateDict, OrderedDictToSave, readNpy, writeTorchCheckpoint } from '@natzoo/train';
import { convertCli } from '../packages/cli/src/commands/convert.js';
import { predict } from '../packages/cli/src/predict.js';
import type { TorchSaveValue } from '@natzoo/train/advanced';
import { runTorchScript, torchEnv } from './support/python_torch.js';
import { sharedPath } from './support/shared_dir.js';

const fixture = sharedPath('fixtures', 'models', 'nat_k7_224');
const kwargs = (JSON.parse(readFileSync(join(fixture, 'fixture.json'), 'utf8')) as { constructor_kwargs: object }).constructor_kwargs;

type Tensors = Map<string, { dtype: 'float32'; shape: number[]; data: Float32Array }>;

/** The fixture's weights, and the same shifted by 0.25 (a stand-in for "other" weights, e.g. the EMA copy). */
async function weights(): Promise<{ real: Tensors; shifted: Tensors }> {
  const real: Tensors = new Map();
  const shifted: Tensors = new Map();
  for (const [key, t] of await loadStateDict(join(fixture, 'state_dict.pth'))) {
    const data = await t.toFloat32();
    real.set(key, { dtype: 'float32', shape: [...t.shape], data });
    shifted.set(key, { dtype: 'float32', shape: [...t.shape], data: data.map((v) => v + 0.25) });
  }
  return { real, shifted };
}

const stateDict = (tensors: Tensors, prefix = '') => new OrderedDictToSave([...tensors].map(([k, v]) => [prefix + k, v]));

/** A timm training checkpoint's shape: weights, EMA weights, optimizer state and bookkeeping. */
function timmCheckpoint(weights: Tensors, ema: Tensors): TorchSaveValue {
  const step = { dtype: 'int64' as const, shape: [], data: new BigInt64Array([3n]) };
  const optimizer = new Map<string, TorchSaveValue>([
    ['state', new Map<number, TorchSaveValue>([[0, new Map<string, TorchSaveValue>([['step', step]])]])],
    ['param_groups', [new Map<string, TorchSaveValue>([['params', [0]], ['weight_decay', 0]])]],
  ]);
  return new Map<string, TorchSaveValue>([
    ['epoch', 7], ['arch', 'nat_mini'], ['state_dict', stateDict(weights)], ['optimizer', optimizer], ['version', 2],
    ['state_dict_ema', stateDict(ema)],
  ]);
}

beforeAll(async () => {
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
});

describe('natzoo convert on wrapped and training checkpoints', () => {
  const work = mkdtempSync(join(tmpdir(), 'natzoo-wrapped-'));
  const config = join(work, 'arch.json');
  writeFileSync(config, JSON.stringify(kwargs));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Converts `file` (extra CLI flags allowed); resolves to the printed line and the output directory. */
  async function convert(file: string, ...flags: string[]): Promise<{ line: string; out: string }> {
    const out = join(work, `out-${file.replace(/\W/g, '_')}-${flags.join('_').replace(/\W/g, '')}`);
    const lines: string[] = [];
    await convertCli([file, '--model', 'nat_mini', '--config', config, '--out', out, ...flags], (l) => lines.push(l));
    return { line: lines.join('\n'), out };
  }

  /** Largest |ours - fixture| of the logits, relative to the fixture's largest |logit|. */
  async function logitError(dir: string): Promise<number> {
    const y = join(dir, 'y.npy');
    await predict({ model: dir, input: join(fixture, 'input.npy'), out: y, layout: 'nchw' });
    const expected = (await readNpy(join(fixture, 'logits.npy'))).data as Float32Array;
    const ours = (await readNpy(y)).data as Float32Array;
    const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    return ours.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0) / scale;
  }

  it.each([
    ['{state_dict: ...}', 'state_dict', (w: Tensors) => new Map([['state_dict', stateDict(w)]])],
    ['{model: ...}', 'model', (w: Tensors) => new Map<string, TorchSaveValue>([['model', stateDict(w)], ['epoch', 300]])],
    ['DataParallel module. prefix', null, (w: Tensors) => stateDict(w, 'module.')],
  ] as const)('%s', async (_name, key, wrap) => {
    const { real } = await weights();
    const file = join(work, `${key ?? 'module'}.pth`);
    await writeTorchCheckpoint(file, wrap(real));
    const { line, out } = await convert(file);
    expect(line).toMatch(/0 missing, 0 unused/);
    if (key !== null) expect(line).toContain(`weights from '${key}'`);
    else expect(line).toContain("prefix 'module.' removed");
    expect(await logitError(out)).toBeLessThan(1e-4);
  });

  it('a timm training checkpoint: state_dict by default, state_dict_ema with --ema', async () => {
    const { real, shifted } = await weights();
    const rawIsReal = join(work, 'train_raw_real.pth.tar');
    const emaIsReal = join(work, 'train_ema_real.pth.tar');
    await writeTorchCheckpoint(rawIsReal, timmCheckpoint(real, shifted));
    await writeTorchCheckpoint(emaIsReal, timmCheckpoint(shifted, real));

    const plain = await convert(rawIsReal);
    expect(plain.line).toContain("weights from 'state_dict'");
    expect(await logitError(plain.out)).toBeLessThan(1e-4);
    const ema = await convert(emaIsReal, '--ema');
    expect(ema.line).toContain("weights from 'state_dict_ema'");
    expect(await logitError(ema.out)).toBeLessThan(1e-4);
    // The other copy really is other weights: it is what the file holds under the other name.
    const other = await convert(rawIsReal, '--ema');
    expect(await logitError(other.out)).toBeGreaterThan(1e-2);
    expect(readFileSync(join(other.out, 'weights.bin')).equals(readFileSync(join((await convert(emaIsReal)).out, 'weights.bin')))).toBe(true);
  });

  it('--key picks an entry by its dotted path', async () => {
    const { real, shifted } = await weights();
    const file = join(work, 'nested.pth');
    await writeTorchCheckpoint(file, new Map<string, TorchSaveValue>([['state_dict', stateDict(shifted)], ['extra', new Map([['weights', stateDict(real)]])]]));
    const { line, out } = await convert(file, '--key', 'extra.weights');
    expect(line).toContain("weights from 'extra.weights'");
    expect(await logitError(out)).toBeLessThan(1e-4);
  });

  it('--ema on a checkpoint without EMA weights is an error naming the keys, and writes nothing', async () => {
    const { real } = await weights();
    const file = join(work, 'no_ema.pth');
    await writeTorchCheckpoint(file, new Map<string, TorchSaveValue>([['state_dict', stateDict(real)], ['epoch', 1]]));
    const out = join(work, 'no-ema-out');
    await expect(convertCli([file, '--model', 'nat_mini', '--config', config, '--out', out, '--ema'], () => undefined)).rejects.toThrow(
      /no EMA weights found \(looked for state_dict_ema.*top-level keys: state_dict, epoch\)/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it.skipIf(!torchEnv.available)(`a training checkpoint written by torch.save itself (${torchEnv.reason})`, async () => {
    const file = join(work, 'torch_train.pth.tar');
    // EMA = the fixture's weights, raw = them + 0.25; an argparse.Namespace and SGD state as timm's train.py saves.
    runTorchScript(
      [
        'import sys, argparse, collections, torch',
        'sd = torch.load(sys.argv[1])',
        'raw = collections.OrderedDict((k, v + 0.25) for k, v in sd.items())',
        'params = [torch.nn.Parameter(v.clone()) for v in raw.values()]',
        'opt = torch.optim.SGD(params, lr=0.1, momentum=0.9)',
        'sum(p.sum() for p in params).backward(); opt.step()',
        'torch.save({"epoch": 12, "arch": "nat_mini", "state_dict": raw, "optimizer": opt.state_dict(), "version": 2,',
        '            "args": argparse.Namespace(model="nat_mini", lr=0.1), "metric": 81.8, "state_dict_ema": sd}, sys.argv[2])',
      ].join('\n'),
      [join(fixture, 'state_dict.pth'), file],
    );
    const ema = await convert(file, '--ema');
    expect(ema.line).toContain("weights from 'state_dict_ema'");
    expect(await logitError(ema.out)).toBeLessThan(1e-4);
    const plain = await convert(file);
    expect(plain.line).toContain("weights from 'state_dict'");
    expect(await logitError(plain.out)).toBeGreaterThan(1e-2);
  });
});
