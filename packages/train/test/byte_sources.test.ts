// SPDX-License-Identifier: MIT
// The byte sources the browser-safe readers run on: ranged HTTP reads (redirects followed, typed errors for a
// server without ranges and for 401/403/404, only the needed ranges fetched), Blobs, and buffers holding a legacy
// container whose pickles outgrow the first read, or a zip64 archive.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedPath } from '../../../tests/support/shared_dir.js';
import { blobSource, bufferSource, fetchSource, FetchSourceError, loadCheckpoint, loadStateDict, npyChunks, readNpy, readSafetensors, safetensorsChunks } from '../src/convert_entry.js';
import { loadCheckpoint as loadCheckpointFile, readNpy as readNpyFile } from '../src/index.js';
import { f32Bytes, legacyFile, stateDictPickle, toZip64, torchZip, type TensorSpec } from './support/torch_files.js';

const checkpointPath = sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10', 'model_best.pth.tar');
const checkpoint = readFileSync(checkpointPath);
/** `first-last` of each ranged request the server answered. */
const served: [number, number][] = [];

function serveRanges(request: IncomingMessage, response: ServerResponse): void {
  const match = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? '');
  if (match === null) return void response.writeHead(200, { 'content-length': checkpoint.length }).end(checkpoint);
  const [first, last] = [Number(match[1]), Math.min(Number(match[2]), checkpoint.length - 1)];
  served.push([first, last]);
  response.writeHead(206, { 'content-range': `bytes ${first}-${last}/${checkpoint.length}`, 'content-length': last - first + 1 });
  response.end(checkpoint.subarray(first, last + 1));
}

const server = createServer((request, response) => {
  switch (request.url) {
    case '/ckpt.pth': return serveRanges(request, response);
    case '/moved.pth': return void response.writeHead(302, { location: '/ckpt.pth' }).end();
    case '/whole.pth': return void response.writeHead(200).end(checkpoint);
    case '/private.pth': return void response.writeHead(401).end();
    case '/forbidden.pth': return void response.writeHead(403).end();
    default: return void response.writeHead(404).end();
  }
});
let base = '';
beforeAll(async () => {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe('fetchSource', () => {
  it('follows a redirect and reads only the ranges it needs', async () => {
    served.length = 0;
    const source = await fetchSource(`${base}/moved.pth`);
    expect(source.byteLength).toBe(checkpoint.length);
    const remote = await loadCheckpoint(source);
    const local = await loadCheckpointFile(checkpointPath);
    expect([...remote.stateDict.keys()]).toEqual([...local.stateDict.keys()]);
    const structure = served.reduce((n, [a, b]) => n + b - a + 1, 0);
    // The central directory and data.pkl, not the weights.
    expect(structure).toBeLessThan(checkpoint.length / 4);
    served.length = 0;
    const [name, tensor] = [...remote.stateDict].find(([, t]) => t.numel > 1000)!;
    expect(Array.from(await tensor.toFloat32())).toEqual(Array.from(await local.stateDict.get(name)!.toFloat32()));
    // One local-header read (header and entry name, checked against the directory), then exactly the tensor's bytes.
    expect(served.at(-1)![1] - served.at(-1)![0] + 1).toBe(tensor.numel * 4);
    const entryName = Buffer.byteLength(`tmp.pth/data/${tensor.storage.key}`);
    expect(served).toHaveLength(2);
    expect(served.reduce((n, [a, b]) => n + b - a + 1, 0)).toBe(30 + entryName + tensor.numel * 4);
  });

  it.each([
    ['/whole.pth', 'no-ranges', /ignores HTTP Range requests/],
    ['/private.pth', 'unauthorized', /HTTP 401 .*credentials/],
    ['/forbidden.pth', 'forbidden', /HTTP 403/],
    ['/missing.pth', 'not-found', /HTTP 404/],
  ])('%s: a FetchSourceError (%s)', async (path, problem, message) => {
    const error = await fetchSource(`${base}${path}`).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(FetchSourceError);
    expect(error).toMatchObject({ problem, url: `${base}${path}` });
    expect((error as Error).message).toMatch(message);
  });
});

describe('in-memory sources', () => {
  it('a Blob reads like the file (npy)', async () => {
    const npy = sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10', 'logits.npy');
    const fromBlob = await readNpy(blobSource(new Blob([readFileSync(npy)])));
    expect(fromBlob).toEqual(await readNpyFile(npy));
  });

  it('files encoded in memory (safetensors, npy) read back as written, and as the Node writers write them', async () => {
    const chunks: Uint8Array<ArrayBuffer>[] = [];
    for await (const chunk of safetensorsChunks({ w: { dtype: 'float32', shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) } }, { format: 'pt' })) chunks.push(chunk.slice());
    const file = await readSafetensors(blobSource(new Blob(chunks)));
    expect(Object.fromEntries(file.metadata)).toEqual({ format: 'pt' });
    expect(Array.from(await file.tensors.get('w')!.toFloat32())).toEqual([1, 2, 3, 4]);
    const logits = await readNpyFile(sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10', 'logits.npy'));
    const npy = Buffer.concat(npyChunks(logits.data, logits.shape));
    // numpy wrote the fixture; our header is byte-identical for a float32 C-order array.
    expect(npy.equals(readFileSync(sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10', 'logits.npy')))).toBe(true);
    expect(await readNpy(bufferSource(npy))).toEqual(logits);
  });

  it('a legacy container whose pickles are larger than the first read', async () => {
    // 40000 views of one storage: a state_dict pickle of a few MB, longer than the reader's first 1 MiB prefix.
    const specs: TensorSpec[] = Array.from({ length: 40_000 }, (_, i) => ({ name: `t${i}`, storageClass: 'FloatStorage', key: '0', storageNumel: 4, offset: i % 3, shape: [2], stride: [1] }));
    const bytes = legacyFile(stateDictPickle(specs, true), [{ key: '0', numel: 4, data: f32Bytes([1, 2, 3, 4]) }]);
    expect(bytes.length).toBeGreaterThan(2 << 20);
    // Over a million opcodes (this writer memoizes nothing): past the default budget, so the test raises it.
    const stateDict = await loadStateDict(bufferSource(bytes, 'big_legacy.pth'), { budget: { maxPickleOpcodes: 2_000_000 } });
    expect(stateDict.size).toBe(40_000);
    expect(Array.from(await stateDict.get('t39998')!.toFloat32())).toEqual([3, 4]);
  });

  it('a zip64 archive (end records in their 64-bit form)', async () => {
    const zip = torchZip(stateDictPickle([{ name: 'w', storageClass: 'FloatStorage', key: '0', storageNumel: 4, shape: [4], stride: [1] }]), { '0': f32Bytes([1, 2, 3, 4]) });
    const stateDict = await loadStateDict(bufferSource(toZip64(zip), 'zip64.pth'));
    expect(Array.from(await stateDict.get('w')!.toFloat32())).toEqual([1, 2, 3, 4]);
  });
});
