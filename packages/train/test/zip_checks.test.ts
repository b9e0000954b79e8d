// SPDX-License-Identifier: MIT
// The zip layer's own checks (issue 17): hostile offsets stay CheckpointErrors, local headers must agree with
// the central directory, entries may not overlap, and a deflated entry cannot claim more than deflate can give.
import { describe, expect, it } from 'vitest';
import { bufferSource, CheckpointError, loadStateDict, readTorchCheckpoint } from '../src/convert_entry.js';
import { buildZip, f32Bytes, stateDictPickle, toZip64, torchZip, type TensorSpec } from './support/torch_files.js';

const CENTRAL = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
const two: TensorSpec[] = [
  { name: 'a', storageClass: 'FloatStorage', key: '0', storageNumel: 4, shape: [4], stride: [1] },
  { name: 'b', storageClass: 'FloatStorage', key: '1', storageNumel: 4, shape: [4], stride: [1] },
];
const checkpoint = (): Buffer => torchZip(stateDictPickle(two), { '0': f32Bytes([1, 2, 3, 4]), '1': f32Bytes([5, 6, 7, 8]) });

/** Offset of the central header of the entry called `name`. */
function centralHeader(zip: Buffer, name: string): number {
  for (let at = zip.indexOf(CENTRAL); at >= 0; at = zip.indexOf(CENTRAL, at + 4)) {
    const length = zip.readUInt16LE(at + 28);
    if (zip.subarray(at + 46, at + 46 + length).toString() === name) return at;
  }
  throw new Error(`no central header for ${name}`);
}

async function expectZipError(bytes: Buffer, name: string, pattern: RegExp): Promise<void> {
  const source = bufferSource(bytes, name);
  // Local headers are read with the data, so read every tensor.
  const loadAll = async (): Promise<void> => {
    for (const tensor of (await loadStateDict(source)).values()) await tensor.toFloat32();
  };
  const error = await loadAll().then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(CheckpointError);
  expect((error as Error).message).toMatch(new RegExp(`^${name}: `));
  expect((error as Error).message).toMatch(pattern);
}

describe('zip checks (issue 17 findings)', () => {
  it('the untouched archive loads', async () => {
    const stateDict = await loadStateDict(bufferSource(checkpoint(), 'ok.pth'));
    expect([...(await stateDict.get('b')!.toFloat32())]).toEqual([5, 6, 7, 8]);
  });

  it('a zip64 locator offset above 2^53 is a CheckpointError, not a RangeError', async () => {
    const zip64 = toZip64(checkpoint());
    const locator = zip64.length - 22 - 20;
    zip64[locator + 15] = 0x7f; // the top byte of the record offset
    await expectZipError(zip64, 'zip64.pth', /zip64 end of central directory record at .* lies outside the file/);
    // Every byte of the end records flipped to 0xff: always our error.
    for (let at = zip64.length - 98; at < zip64.length; at++) {
      const bytes = toZip64(checkpoint());
      bytes[at] = 0xff;
      const outcome = await loadStateDict(bufferSource(bytes, 'flip.pth')).then(() => 'loaded', (e: unknown) => e);
      if (outcome !== 'loaded') expect(outcome, `byte ${at}`).toBeInstanceOf(CheckpointError);
    }
  });

  it('a directory entry pointed at another entry is refused, not read as the wrong weights', async () => {
    const zip = checkpoint();
    zip.writeUInt32LE(zip.readUInt32LE(centralHeader(zip, 'archive/data/0') + 42), centralHeader(zip, 'archive/data/1') + 42);
    await expectZipError(zip, 'aliased.pth', /entries 'archive\/data\/[01]' and 'archive\/data\/[01]' overlap/);
  });

  it('local headers must agree with the directory', async () => {
    const renamed = checkpoint();
    const local = renamed.indexOf(Buffer.from('archive/data/1'));
    renamed[local + 13] = 0x32; // the local header now names archive/data/2
    await expectZipError(renamed, 'renamed.pth', /zip entry 'archive\/data\/1': its local header names 'archive\/data\/2'/);
    const resized = checkpoint();
    resized.writeUInt32LE(8, local - 30 + 18);
    await expectZipError(resized, 'resized.pth', /local header sizes 8\/16 disagree with the directory's 16\/16/);
    const method = checkpoint();
    method.writeUInt16LE(8, local - 30 + 8);
    await expectZipError(method, 'method.pth', /local header says compression method 8, the directory 0/);
  });

  it('a deflated entry may not claim more than deflate can expand, and names are unique', async () => {
    const zip = torchZip(stateDictPickle(two), { '0': f32Bytes([1, 2, 3, 4]), '1': f32Bytes([5, 6, 7, 8]) }, { deflate: true });
    zip.writeUInt32LE(2 ** 31, centralHeader(zip, 'archive/data/0') + 24);
    await expectZipError(zip, 'bomb.pth', /deflated entry 'archive\/data\/0' claims 2147483648 bytes from \d+, more than deflate can expand/);
    const twice = buildZip([{ name: 'archive/data.pkl', data: stateDictPickle([]) }, { name: 'archive/data.pkl', data: stateDictPickle([]) }]);
    await expect(readTorchCheckpoint(bufferSource(twice, 'twice.pth'))).rejects.toThrow(/entry 'archive\/data\.pkl' is listed twice/);
  });
});
