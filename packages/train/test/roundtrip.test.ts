// SPDX-License-Identifier: MIT
// safetensors and npy: write then read gives identical data; writes are atomic (no temp files left behind).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedPath } from '../../../tests/support/shared_dir.js';
import { readSafetensors as readFixtureSafetensors } from '../../../tests/support/safetensors.js';
import { loadCheckpoint, loadStateDict, readNpy, readSafetensors, writeNpy, writeSafetensors } from '../src/index.js';
import { type ArrayTensor, type NpyData } from '../src/advanced.js';

const dir = mkdtempSync(join(tmpdir(), 'natzoo-roundtrip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sameBytes = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('safetensors', () => {
  const tensors: Record<string, ArrayTensor> = {
    f32: { dtype: 'float32', shape: [2, 3], data: new Float32Array([1, -2, 3.5, 0, -0, 1e-30]) },
    f64: { dtype: 'float64', shape: [2], data: new Float64Array([Math.PI, -1e300]) },
    f16: { dtype: 'float16', shape: [3], data: new Uint16Array([0x3c00, 0xc000, 0x7bff]) },
    bf16: { dtype: 'bfloat16', shape: [1, 2], data: new Uint16Array([0x3f80, 0x4049]) },
    i64: { dtype: 'int64', shape: [2], data: new BigInt64Array([-(2n ** 62n), 5n]) },
    i32: { dtype: 'int32', shape: [2], data: new Int32Array([-7, 2 ** 31 - 1]) },
    i16: { dtype: 'int16', shape: [1], data: new Int16Array([-300]) },
    i8: { dtype: 'int8', shape: [2], data: new Int8Array([-128, 127]) },
    u8: { dtype: 'uint8', shape: [2], data: new Uint8Array([0, 255]) },
    bool: { dtype: 'bool', shape: [3], data: new Uint8Array([1, 0, 1]) },
    scalar: { dtype: 'float32', shape: [], data: new Float32Array([42]) },
    empty: { dtype: 'float32', shape: [0, 5], data: new Float32Array(0) },
  };

  it('round-trips every dtype and the metadata', async () => {
    const path = join(dir, 'all.safetensors');
    await writeSafetensors(path, tensors, { format: 'pt', note: 'é✓' });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const file = await readSafetensors(path);
    expect(Object.fromEntries(file.metadata)).toEqual({ format: 'pt', note: 'é✓' });
    expect([...file.tensors.keys()]).toEqual(Object.keys(tensors));
    for (const [name, want] of Object.entries(tensors)) {
      const got = file.tensors.get(name)!;
      expect(got.dtype).toBe(want.dtype);
      expect(got.shape).toEqual(want.shape);
      expect(sameBytes(await got.bytes(), want.data), name).toBe(true);
    }
    expect([...(await file.tensors.get('f16')!.toFloat32())]).toEqual([1, -2, 65504]);
    expect([...(await file.tensors.get('bf16')!.toFloat32())]).toEqual([1, 3.140625]);
    // The data section starts 8-byte aligned, and the repository's own fixture reader agrees on float32.
    const raw = readFileSync(path);
    expect(Number(raw.readBigUInt64LE(0)) % 8).toBe(0);
    const headerOnly = join(dir, 'f32.safetensors');
    await writeSafetensors(headerOnly, { f32: tensors.f32! });
    expect([...readFixtureSafetensors(headerOnly).tensors.get('f32')!.data]).toEqual([...(tensors.f32!.data as Float32Array)]);
  });

  it('converts a real checkpoint to safetensors and back, bit for bit', async () => {
    const source = sharedPath('fixtures', 'models', 'convmlp_tiny_224', 'checkpoint_legacy.pth');
    const sd = await loadStateDict(source);
    const path = join(dir, 'convmlp.safetensors');
    await writeSafetensors(path, sd, { source: 'checkpoint_legacy.pth' });
    const loaded = await loadCheckpoint(path);
    expect(loaded.format).toBe('safetensors');
    expect(loaded.metadata.get('source')).toBe('checkpoint_legacy.pth');
    expect([...loaded.stateDict.keys()]).toEqual([...sd.keys()]);
    for (const [name, t] of sd) {
      const u = loaded.stateDict.get(name)!;
      expect([u.dtype, u.shape]).toEqual([t.dtype, t.shape]);
      expect(sameBytes(await u.bytes(), await t.bytes()), name).toBe(true);
    }
  });

  it('overwrites atomically and rejects data that does not match its shape', async () => {
    const path = join(dir, 'replace.safetensors');
    writeFileSync(path, 'old contents');
    await expect(writeSafetensors(path, { w: { dtype: 'float32', shape: [3], data: new Float32Array(2) } })).rejects.toThrow(/does not hold float32 \[3\]/);
    expect(readFileSync(path, 'utf8')).toBe('old contents');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await writeSafetensors(path, { w: { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) } });
    expect([...(await (await readSafetensors(path)).tensors.get('w')!.toFloat32())]).toEqual([1, 2]);
  });
});

describe('npy', () => {
  const arrays: [string, NpyData, number[], boolean][] = [
    ['f4', new Float32Array([1.5, -2, 3, 4, 5, 6]), [2, 3], false],
    ['f8', new Float64Array([Math.E]), [1], false],
    ['i4', new Int32Array([-1, 2, -3, 4]), [2, 1, 2], false],
    ['i8', new BigInt64Array([2n ** 60n, -1n]), [2], false],
    ['u1', new Uint8Array([0, 128, 255]), [3], false],
    ['b1', new Uint8Array([1, 0]), [2], true],
    ['scalar', new Float32Array([7]), [], false],
    ['empty', new Float32Array(0), [0, 3], false],
  ];
  for (const [name, data, shape, bool] of arrays) {
    it(`round-trips ${name}`, async () => {
      const path = join(dir, `${name}.npy`);
      await writeNpy(path, data, shape, { bool });
      const raw = readFileSync(path);
      expect((10 + raw.readUInt16LE(8)) % 64).toBe(0); // data 64-byte aligned, as numpy writes it
      const back = await readNpy(path);
      expect(back.shape).toEqual(shape);
      expect(back.dtype).toBe(bool ? 'bool' : { f4: 'float32', f8: 'float64', i4: 'int32', i8: 'int64' }[name] ?? (name === 'u1' ? 'uint8' : 'float32'));
      expect(back.data.constructor).toBe(data.constructor);
      expect(sameBytes(back.data, data)).toBe(true);
    });
  }

  it('writes format 2 when the header is too long for format 1', async () => {
    const shape = new Array<number>(25_000).fill(1);
    const path = join(dir, 'v2.npy');
    await writeNpy(path, new Float32Array([3]), shape);
    expect(readFileSync(path)[6]).toBe(2);
    const back = await readNpy(path);
    expect(back.shape.length).toBe(25_000);
    expect([...back.data]).toEqual([3]);
  });

  it('reads a numpy-written fixture and writes it back identically', async () => {
    const source = sharedPath('fixtures', 'models', 'cct_3x1_32_tiny', 'input.npy');
    const input = await readNpy(source);
    expect(input.dtype).toBe('float32');
    expect(input.shape).toEqual([2, 3, 32, 32]);
    const path = join(dir, 'input.npy');
    await writeNpy(path, input.data, input.shape);
    expect(readFileSync(path).equals(readFileSync(source))).toBe(true);
  });

  it('rejects a shape that does not match the data', async () => {
    await expect(writeNpy(join(dir, 'bad.npy'), new Float32Array(3), [2, 2])).rejects.toThrow(/does not match 3 values/);
  });
});
