// SPDX-License-Identifier: MIT
// Training checkpoint metadata is checked against its schema on resume (issue 17): damaged JSON, wrong types,
// unknown fields and prototype-polluting names are CheckpointErrors naming the file and the field.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError, loadTrainCheckpoint, saveTrainCheckpoint, writeSafetensors } from '../src/index.js';
import { SAMPLE_META } from './support/train_meta.js';

const dir = mkdtempSync(join(tmpdir(), 'natzoo-trainmeta-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const meta = SAMPLE_META;
const { preprocess } = meta;
const weights = { shape: [2], data: new Float32Array([1, 2]) };

async function withMetadata(name: string, text: string, tensorName = 'model/w'): Promise<string> {
  const path = join(dir, name);
  await writeSafetensors(path, new Map([[tensorName, { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) }]]), { natzoo_train: text });
  return path;
}

async function expectRefused(path: string, pattern: RegExp): Promise<void> {
  const error = await loadTrainCheckpoint(path).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(CheckpointError);
  expect((error as Error).message.startsWith(`${path}: `), (error as Error).message).toBe(true);
  expect((error as Error).message).toMatch(pattern);
}

describe('training checkpoint metadata (issue 17 findings)', () => {
  it('a checkpoint written by saveTrainCheckpoint loads', async () => {
    const path = join(dir, 'ok.safetensors');
    await saveTrainCheckpoint(path, meta, { model: new Map([['w', weights]]), optim: new Map(), ema: null });
    const loaded = await loadTrainCheckpoint(path);
    expect(loaded.meta).toEqual(meta);
    expect([...loaded.model.get('w')!]).toEqual([1, 2]);
  });

  it('damaged or hostile metadata names the field', async () => {
    await expectRefused(await withMetadata('json.safetensors', '{"format": '), /natzoo_train metadata is not valid JSON/);
    await expectRefused(await withMetadata('proto.safetensors', JSON.stringify(meta).replace('"overrides":{}', '"overrides":{"__proto__":{"polluted":1}}')), /the key '__proto__' is not allowed/);
    await expectRefused(await withMetadata('epoch.safetensors', JSON.stringify({ ...meta, position: { ...meta.position, epoch: 'one' } })), /field position\.epoch: .*number/);
    await expectRefused(await withMetadata('format.safetensors', JSON.stringify({ ...meta, format: 'other/2' })), /field format: /);
    const { rng: _rng, ...noRng } = meta;
    await expectRefused(await withMetadata('missing.safetensors', JSON.stringify(noRng)), /field rng: /);
    await expectRefused(await withMetadata('extra.safetensors', JSON.stringify({ ...meta, run: 1 })), /metadata field \(the whole object\): .*run/);
    await expectRefused(await withMetadata('pre.safetensors', JSON.stringify({ ...meta, preprocess: { ...preprocess, inputSize: [3, 60000, 60000] } })), /preprocess: inputSize: height and width must be at most 4096/);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it("a tensor named '__proto__/x' is an unexpected tensor, not a crash", async () => {
    await expectRefused(await withMetadata('tensor.safetensors', JSON.stringify(meta), '__proto__/x'), /unexpected tensor '__proto__\/x'/);
    await expectRefused(await withMetadata('noslash.safetensors', JSON.stringify(meta), 'w'), /unexpected tensor 'w'/);
  });
});
