// SPDX-License-Identifier: MIT
// writeTorchCheckpoint: every storage dtype, scalar and empty tensors, nested dicts, lists, big and negative ints
// and strings, read back by our reader and, when Debian's torch is installed, by torch.load(weights_only=True)
// (PyTorch's own allow-listed unpickler: it rejects anything a plain state_dict does not need).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, OrderedDictToSave, readTorchCheckpoint, TensorRecord, writeTorchCheckpoint } from '../src/index.js';
import type { ArrayTensor, TorchSaveValue } from '../src/advanced.js';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
const torchVersion = probe.status === 0 ? probe.stdout.trim() : null;
if (torchVersion === null) {
  if (process.env.NATZOO_REQUIRE_TORCH === '1') throw new Error(`NATZOO_REQUIRE_TORCH=1 but ${PYTHON} cannot import torch`);
  console.log(`skipping the torch.load check: ${PYTHON} with torch is not installed (apt-get install python3-torch)`);
}

const tensors: Record<string, ArrayTensor> = {
  f32: { dtype: 'float32', shape: [2, 3], data: new Float32Array([1.5, -2, 3.25, 0, 1e-30, -7]) },
  f64: { dtype: 'float64', shape: [3], data: new Float64Array([Math.PI, -1e30, 0.1]) },
  f16: { dtype: 'float16', shape: [2], data: new Uint16Array([0x3c00, 0xc000]) },
  bf16: { dtype: 'bfloat16', shape: [2], data: new Uint16Array([0x3f80, 0xc040]) },
  i64: { dtype: 'int64', shape: [2], data: new BigInt64Array([-(2n ** 40n), 123n]) },
  i32: { dtype: 'int32', shape: [2, 1], data: new Int32Array([-5, 2 ** 30]) },
  i16: { dtype: 'int16', shape: [1], data: new Int16Array([-300]) },
  i8: { dtype: 'int8', shape: [2], data: new Int8Array([-128, 127]) },
  u8: { dtype: 'uint8', shape: [2], data: new Uint8Array([0, 255]) },
  bool: { dtype: 'bool', shape: [3], data: new Uint8Array([1, 0, 1]) },
  scalar: { dtype: 'int64', shape: [], data: new BigInt64Array([9n]) },
  empty: { dtype: 'float32', shape: [0, 4], data: new Float32Array(0) },
};

const root = new Map<string, TorchSaveValue>([
  ['state_dict', new OrderedDictToSave(Object.entries(tensors))],
  ['meta', new Map<string | number, TorchSaveValue>([['epoch', 12], ['big', 2n ** 70n], ['neg', -(2 ** 40)], [3, 'int key'], ['name', 'nät ✓']])],
  ['list', [true, false, null, [1, 'two'], -1]],
]);

describe('writeTorchCheckpoint', () => {
  const work = mkdtempSync(join(tmpdir(), 'natzoo-writer-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const file = join(work, 'all.pth');

  it('reads back through our reader: values, dtypes, shapes, metadata', async () => {
    await writeTorchCheckpoint(file, root);
    const loaded = await loadCheckpoint(file);
    expect(loaded.format).toBe('torch-zip');
    expect(loaded.weightsKey).toBe('state_dict');
    expect([...loaded.stateDict.keys()]).toEqual(Object.keys(tensors));
    for (const [name, t] of Object.entries(tensors)) {
      const ours = loaded.stateDict.get(name)!;
      expect(ours.dtype, name).toBe(t.dtype);
      expect(ours.shape, name).toEqual(t.shape);
      const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      expect(Buffer.from(await ours.bytes()).equals(Buffer.from(bytes)), name).toBe(true);
    }
    const meta = loaded.metadata.get('meta') as Map<unknown, unknown>;
    expect([...meta]).toEqual([['epoch', 12], ['big', 2n ** 70n], ['neg', -(2 ** 40)], [3, 'int key'], ['name', 'nät ✓']]);
    expect(loaded.metadata.get('list')).toEqual([true, false, null, [1, 'two'], -1]);
    const raw = await readTorchCheckpoint(file);
    expect(raw.globals).toEqual(['collections.OrderedDict', ...[...new Set(Object.values(tensors).map((t) => t.dtype))].map(storageName).sort(), 'torch._utils._rebuild_tensor_v2'].sort());
    expect((raw.root as Map<string, unknown>).get('state_dict')).toBeInstanceOf(Map);
    expect([...((raw.root as Map<string, Map<string, unknown>>).get('state_dict')!.values())].every((v) => v instanceof TensorRecord)).toBe(true);
  });

  it.skipIf(torchVersion === null)(`loads with torch.load(weights_only=True) (torch ${torchVersion})`, async () => {
    await writeTorchCheckpoint(file, root);
    const script = [
      'import sys, json, collections, torch',
      'd = torch.load(sys.argv[1], weights_only=True)',
      'sd = d["state_dict"]',
      'assert type(sd) is collections.OrderedDict',
      'out = {k: [str(v.dtype).replace("torch.", ""), list(v.shape), v.float().flatten().tolist()] for k, v in sd.items()}',
      'out["__meta"] = [[str(k), str(v)] for k, v in d["meta"].items()]',
      'out["__list"] = repr(d["list"])',
      'print(json.dumps(out))',
    ].join('\n');
    const got = JSON.parse(execFileSync(PYTHON, ['-c', script, file], { encoding: 'utf8' })) as Record<string, unknown>;
    const torchDtype: Record<string, string> = { f32: 'float32', f64: 'float64', f16: 'float16', bf16: 'bfloat16', i64: 'int64', i32: 'int32', i16: 'int16', i8: 'int8', u8: 'uint8', bool: 'bool', scalar: 'int64', empty: 'float32' };
    const expectedValues: Record<string, number[]> = {
      f32: [1.5, -2, 3.25, 0, Math.fround(1e-30), -7], f64: [Math.PI, -1e30, 0.1], f16: [1, -2], bf16: [1, -3],
      i64: [-(2 ** 40), 123], i32: [-5, 2 ** 30], i16: [-300], i8: [-128, 127], u8: [0, 255], bool: [1, 0, 1], scalar: [9], empty: [],
    };
    for (const [name, t] of Object.entries(tensors)) {
      const [dtype, shape, values] = got[name] as [string, number[], number[]];
      expect(dtype, name).toBe(torchDtype[name]);
      expect(shape, name).toEqual(t.shape);
      // torch's .float() rounds float64 to float32, as Math.fround does.
      expect(values, name).toEqual(expectedValues[name]!.map((v) => (name === 'f64' ? Math.fround(v) : v)));
    }
    expect(got.__meta).toEqual([['epoch', '12'], ['big', String(2n ** 70n)], ['neg', String(-(2 ** 40))], ['3', 'int key'], ['name', 'nät ✓']]);
    expect(got.__list).toBe("[True, False, None, [1, 'two'], -1]");
  });

  it('refuses what it cannot write, naming the path', async () => {
    await expect(writeTorchCheckpoint(join(work, 'bad.pth'), new Map([['x', new Set([1]) as never]]))).rejects.toThrow(/cannot save x/);
    const short = { dtype: 'float32' as const, shape: [4], data: new Float32Array(3) };
    await expect(writeTorchCheckpoint(join(work, 'short.pth'), new OrderedDictToSave([['w', short]]))).rejects.toThrow(/'w'/);
  });
});

function storageName(dtype: string): string {
  const names: Record<string, string> = {
    float32: 'Float', float64: 'Double', float16: 'Half', bfloat16: 'BFloat16', int64: 'Long', int32: 'Int', int16: 'Short', int8: 'Char', uint8: 'Byte', bool: 'Bool',
  };
  return `torch.${names[dtype]}Storage`;
}
