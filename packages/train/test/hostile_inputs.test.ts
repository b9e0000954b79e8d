// SPDX-License-Identifier: MIT
// Broken and hostile files: each fails with a CheckpointError naming the file and the problem, before any large
// allocation and without running anything.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedPath } from '../../../tests/support/shared_dir.js';
import { CheckpointError, loadStateDict, readCifarBinary, readNpy, readSafetensors, readTorchCheckpoint } from '../src/index.js';
import { detectFileKind } from '../src/advanced.js';
import { buildZip, f32Bytes, legacyFile, PickleWriter, stateDictPickle, torchZip, type TensorSpec } from './support/torch_files.js';

const dir = mkdtempSync(join(tmpdir(), 'natzoo-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function save(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

async function expectRejects(promise: Promise<unknown>, path: string, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CheckpointError);
  const message = (error as Error).message;
  expect(message.startsWith(`${path}: `), message).toBe(true);
  expect(message).toMatch(pattern);
}

const one = (spec: Partial<TensorSpec>): TensorSpec[] => [
  { name: 'w', storageClass: 'FloatStorage', key: '0', storageNumel: 4, shape: [4], stride: [1], ...spec },
];

describe('hostile and broken checkpoints', () => {
  const real = sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10', 'model_best.pth.tar');

  it('truncated zip', async () => {
    const bytes = readFileSync(real);
    const half = save('truncated.pth.tar', bytes.subarray(0, bytes.length >> 1));
    await expectRejects(readTorchCheckpoint(half), half, /not a readable zip archive \(truncated or corrupt\?\)/);
    // Cut only the last bytes: the central directory end record is gone.
    const tail = save('tail.pth.tar', bytes.subarray(0, bytes.length - 10));
    await expectRejects(loadStateDict(tail), tail, /zip/);
  });

  it('wrong magic / not a checkpoint', async () => {
    const text = save('notes.txt', 'hello, this is not a checkpoint\n');
    await expectRejects(readTorchCheckpoint(text), text, /not a PyTorch checkpoint/);
    const empty = save('empty.pth', '');
    await expectRejects(loadStateDict(empty), empty, /not a PyTorch checkpoint: the file is empty/);
    // A pickle, but not torch's legacy magic number first.
    const pickle = save('plain.pkl', new PickleWriter().proto(2).int(5).stop().bytes());
    await expectRejects(readTorchCheckpoint(pickle), pickle, /without the legacy torch magic number/);
    const npy = sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10', 'logits.npy');
    await expectRejects(readTorchCheckpoint(npy), npy, /this is a npy file/);
    const zip = save('other.zip', torchZip(new Uint8Array(0), {})); // data.pkl present but empty
    await expectRejects(readTorchCheckpoint(zip), zip, /pickle truncated/);
    const noPickle = save('docs.zip', buildZip([{ name: 'a.txt', data: Buffer.from('a') }, { name: 'b.txt', data: Buffer.from('b') }]));
    await expectRejects(readTorchCheckpoint(noPickle), noPickle, /zip archive without a data\.pkl entry: not a PyTorch checkpoint \(entries: a\.txt, b\.txt\)/);
    // The CCT repository's issue attachments are `*.pth.zip`: a zip around the checkpoint.
    const wrapped = save('cct2-3x2_cifar10.pth.zip', buildZip([{ name: 'cct2-3x2_cifar10.pth', data: readFileSync(real), deflate: true }]));
    await expectRejects(readTorchCheckpoint(wrapped), wrapped, /a zip archive around 'cct2-3x2_cifar10\.pth'.*unzip it first/);
    expect(await detectFileKind(real)).toBe('torch-zip');
    expect(await detectFileKind(npy)).toBe('npy');
    expect(await detectFileKind(text)).toBe('unknown');
  });

  it('refuses os.system / builtins.eval pickles without running them', async () => {
    const marker = join(dir, 'pwned');
    const osSystem = Buffer.from(`cos\nsystem\n(S'touch ${marker}'\ntR.`, 'latin1');
    const zipped = save('os_system.pth', torchZip(osSystem, {}));
    await expectRejects(readTorchCheckpoint(zipped), zipped, /refusing pickle global 'os\.system': not data \(allowed: /);
    const evalPickle = new PickleWriter().proto(2).global('builtins', 'eval').str(`__import__('os').system('touch ${marker}')`).raw(0x85).reduce().stop().bytes();
    const evalZip = save('eval.pth', torchZip(evalPickle, {}));
    await expectRejects(loadStateDict(evalZip), evalZip, /refusing pickle global 'builtins\.eval'/);
    // The same pickle as the object of a legacy file.
    const legacy = save('eval_legacy.pth', legacyFile(evalPickle, []));
    await expectRejects(readTorchCheckpoint(legacy), legacy, /refusing pickle global 'builtins\.eval'/);
    expect(existsSync(marker)).toBe(false);
  });

  it('storage shorter than the declared shape', async () => {
    // The persistent id says 4 elements but the zip entry holds 2.
    const shortEntry = save('short_entry.pth', torchZip(stateDictPickle(one({})), { '0': f32Bytes([1, 2]) }));
    await expectRejects(readTorchCheckpoint(shortEntry), shortEntry, /storage '0' declares 4 float32 elements \(16 bytes\) but holds only 8 bytes/);
    // The storage is consistent but the view needs more than it holds.
    const shortView = save('short_view.pth', torchZip(stateDictPickle(one({ shape: [2, 3], stride: [3, 1] })), { '0': f32Bytes([1, 2, 3, 4]) }));
    await expectRejects(readTorchCheckpoint(shortView), shortView, /needs 6 elements but the storage holds 4/);
    const pastEnd = save('offset.pth', torchZip(stateDictPickle(one({ offset: 3, shape: [2] })), { '0': f32Bytes([1, 2, 3, 4]) }));
    await expectRejects(readTorchCheckpoint(pastEnd), pastEnd, /offset 3 needs 5 elements/);
    // Legacy: the pickle declares 4 elements, the file's storage header says 2.
    const legacy = save('short_legacy.pth', legacyFile(stateDictPickle(one({}), true), [{ key: '0', numel: 2, data: f32Bytes([1, 2]) }]));
    await expectRejects(readTorchCheckpoint(legacy), legacy, /storage '0' holds 2 elements but the pickle declares 4/);
    // Legacy file cut inside the storage data.
    const full = legacyFile(stateDictPickle(one({}), true), [{ key: '0', numel: 4, data: f32Bytes([1, 2, 3, 4]) }]);
    const cut = save('cut_legacy.pth', full.subarray(0, full.length - 3));
    await expectRejects(readTorchCheckpoint(cut), cut, /runs past the end of the file \(truncated\?\)/);
  });

  it('a 2^40-element shape fails fast, before allocating', async () => {
    const huge = 2 ** 40;
    const path = save('huge_shape.pth', torchZip(stateDictPickle(one({ shape: [huge], stride: [1] })), { '0': f32Bytes([1, 2, 3, 4]) }));
    const start = performance.now();
    await expectRejects(readTorchCheckpoint(path), path, /shape \[1099511627776\] \(1099511627776 elements\).* needs 1099511627776 elements but the storage holds 4/);
    // The storage itself claiming 2^40 elements is caught against the entry size.
    const claim = save('huge_storage.pth', torchZip(stateDictPickle(one({ storageNumel: huge, shape: [huge] })), { '0': f32Bytes([1]) }));
    await expectRejects(readTorchCheckpoint(claim), claim, /declares 1099511627776 float32 elements .* but holds only 4 bytes/);
    const overflow = save('overflow.pth', torchZip(stateDictPickle(one({ shape: [huge, huge, huge], stride: [1, 1, 1] })), { '0': f32Bytes([1, 2, 3, 4]) }));
    await expectRejects(readTorchCheckpoint(overflow), overflow, /is too large/);
    // A stride-0 (expanded) view is legal, but not one that would materialise 2^40 values from 4.
    const expanded = save('expanded.pth', torchZip(stateDictPickle(one({ shape: [2 ** 20, 2 ** 20], stride: [0, 0] })), { '0': f32Bytes([1, 2, 3, 4]) }));
    await expectRejects(readTorchCheckpoint(expanded), expanded, /repeats a 4-element storage into 1099511627776 elements/);
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it('negative and absurd sizes', async () => {
    const cases: [string, Partial<TensorSpec>, RegExp][] = [
      ['neg_shape', { shape: [-1], stride: [1] }, /invalid shape \[-1\]/],
      ['neg_stride', { shape: [2], stride: [-1] }, /invalid stride \[-1\]/],
      ['neg_offset', { offset: -2 }, /invalid storage offset -2/],
      ['stride_rank', { shape: [2, 2], stride: [1] }, /does not match shape/],
      ['neg_storage', { storageNumel: -5 }, /declares an invalid size -5/],
    ];
    for (const [name, spec, pattern] of cases) {
      const path = save(`${name}.pth`, torchZip(stateDictPickle(one(spec)), { '0': f32Bytes([1, 2, 3, 4]) }));
      await expectRejects(readTorchCheckpoint(path), path, pattern);
    }
    // Legacy storage header with an absurd count.
    const bytes = legacyFile(stateDictPickle(one({}), true), [{ key: '0', numel: 4, data: f32Bytes([1, 2, 3, 4]) }]);
    bytes.writeBigInt64LE(2n ** 60n, bytes.length - 24);
    const legacy = save('absurd_legacy.pth', bytes);
    await expectRejects(readTorchCheckpoint(legacy), legacy, /absurd storage size 1152921504606846976/);
  });

  it('unknown opcodes and persistent ids that are not storages', async () => {
    const opcode = save('opcode.pth', torchZip(Uint8Array.from([0x80, 2, 0xfe]), {}));
    await expectRejects(readTorchCheckpoint(opcode), opcode, /unknown pickle opcode 0xfe/);
    const pid = save('pid.pth', torchZip(new PickleWriter().proto(2).str('module').binpersid().stop().bytes(), {}));
    await expectRejects(readTorchCheckpoint(pid), pid, /unsupported persistent id/);
    const missing = save('missing.pth', torchZip(stateDictPickle(one({ key: '7' })), { '0': f32Bytes([1, 2, 3, 4]) }));
    await expectRejects(readTorchCheckpoint(missing), missing, /storage '7' has no zip entry 'archive\/data\/7'/);
    const storageType = save('type.pth', torchZip(stateDictPickle(one({ storageClass: 'ComplexFloatStorage' })), { '0': f32Bytes([1, 2, 3, 4]) }));
    await expectRejects(readTorchCheckpoint(storageType), storageType, /refusing pickle global 'torch\.ComplexFloatStorage'/);
  });
});

describe('hostile CIFAR batches', () => {
  it('a folder named *.bin and out-of-range labels are CheckpointErrors', async () => {
    const folder = join(dir, 'cifar');
    mkdirSync(join(folder, 'data_batch_1.bin'), { recursive: true });
    await expectRejects(readCifarBinary(folder), join(folder, 'data_batch_1.bin'), /not a regular file \(a folder named \*\.bin\?\)/);
    const record = new Uint8Array(3073);
    record[0] = 10;
    const labels = save('labels.bin', record);
    await expectRejects(readCifarBinary(labels), labels, /record 0 has label 10, but CIFAR-10 has 10 classes/);
  });
});

describe('hostile safetensors and npy', () => {
  const safetensors = (header: object, data: Uint8Array, lengthOverride?: bigint): Buffer => {
    const json = Buffer.from(JSON.stringify(header));
    const lead = Buffer.alloc(8);
    lead.writeBigUInt64LE(lengthOverride ?? BigInt(json.length));
    return Buffer.concat([lead, json, data]);
  };

  it('safetensors offsets past EOF, bad header length, bad JSON, overlaps, size mismatch', async () => {
    const data = f32Bytes([1, 2, 3, 4]);
    const cases: [string, Buffer, RegExp][] = [
      ['past_eof', safetensors({ w: { dtype: 'F32', shape: [8], data_offsets: [0, 32] } }, data), /data_offsets \[0, 32\] lie outside the data section \(16 bytes; truncated file\?\)/],
      ['header_len', safetensors({}, data, 2n ** 50n), /header length 1125899906842624 exceeds the file/],
      ['json', Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{"a"')]), /header is not valid JSON/],
      ['overlap', safetensors({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, data), /overlap/],
      ['size', safetensors({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, data), /does not fit its 16 bytes/],
      ['dtype', safetensors({ w: { dtype: 'F8_E4M3', shape: [4], data_offsets: [0, 4] } }, data), /unsupported dtype "F8_E4M3"/],
      ['huge', safetensors({ w: { dtype: 'F32', shape: [2 ** 40], data_offsets: [0, 16] } }, data), /does not fit its 16 bytes/],
      ['short', Buffer.from([1, 2, 3]), /shorter than the 8-byte header length/],
      ['no_dtype', safetensors({ w: { shape: [4], data_offsets: [0, 16] } }, data), /tensor 'w' has no dtype/],
    ];
    for (const [name, bytes, pattern] of cases) {
      const path = save(`${name}.safetensors`, bytes);
      await expectRejects(readSafetensors(path), path, pattern);
    }
  });

  it('npy: fortran order, big-endian, truncated data, bad magic', async () => {
    const npy = (header: string, data: Uint8Array): Buffer => {
      const text = Buffer.from(header.padEnd(117, ' ') + '\n');
      const lead = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
      lead.writeUInt16LE(text.length, 8);
      return Buffer.concat([lead, text, data]);
    };
    const cases: [string, Buffer, RegExp][] = [
      ['fortran', npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", f32Bytes([1, 2, 3, 4])), /fortran_order: True; only C-order/],
      ['big', npy("{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", f32Bytes([1, 2, 3, 4])), /big-endian dtype '>f4'/],
      ['object', npy("{'descr': '|O', 'fortran_order': False, 'shape': (4,), }", f32Bytes([1, 2, 3, 4])), /unsupported dtype '\|O'/],
      ['short', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", f32Bytes([1, 2, 3, 4])), /needs 20 data bytes but the file holds 16/],
      ['huge', npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }", f32Bytes([1])), /too large|needs/],
      ['magic', Buffer.from('not an npy file at all'), /no \\x93NUMPY magic/],
      // The header is a Python literal: numpy would read the second descr (float64); we refuse the ambiguity.
      ['duplicate', npy("{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", f32Bytes([1, 2, 3, 4])), /has the key 'descr' twice/],
      ['unknown', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'extra': 1}", f32Bytes([1, 2, 3, 4])), /must have exactly the keys descr, fortran_order and shape; has descr, extra, fortran_order, shape/],
      ['fortran_type', npy("{'descr': '<f4', 'fortran_order': 'no', 'shape': (4,), }", f32Bytes([1, 2, 3, 4])), /fortran_order is not True or False/],
      ['shape_type', npy("{'descr': '<f4', 'fortran_order': False, 'shape': ('4',), }", f32Bytes([1, 2, 3, 4])), /shape is not a tuple of integers/],
      ['structured', npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4,), }", f32Bytes([1, 2, 3, 4])), /descr is not a string/],
      ['trailing', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), } junk", f32Bytes([1, 2, 3, 4])), /unexpected text after the dict/],
    ];
    for (const [name, bytes, pattern] of cases) {
      const path = save(`${name}.npy`, bytes);
      await expectRejects(readNpy(path), path, pattern);
    }
  });
});
