// SPDX-License-Identifier: MIT
// Checkpoint download into a cache, reporting byte progress to a callback. When the file name carries a hash prefix (torch hub's
// `name-<hex>.pth` convention) the file's sha256 must start with it; a mismatch is refused and not cached.
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ByteProgress } from '../hub/download_bytes.js';
import { openFileSource } from './file_source.js';
import { checkHashInName } from './hash_in_name.js';
import { sha256Hex, sha256Stream } from './sha256.js';

export function defaultCacheDir(): string {
  return process.env.NATZOO_CACHE ?? join(homedir(), '.cache', 'natzoo');
}

/** Returns the cached path of `url`, downloading it first when it is not cached yet. */
export async function downloadToCache(url: string, cacheDir = defaultCacheDir(), onProgress?: (progress: ByteProgress) => void): Promise<string> {
  const name = basename(new URL(url).pathname);
  if (name === '') throw new Error(`${url}: the URL names no file`);
  const target = join(cacheDir, name);
  if (await stat(target).then(() => true, () => false)) {
    checkHashInName(url, name, await sha256Hex(await openFileSource(target)));
    return target;
  }
  await mkdir(cacheDir, { recursive: true });
  const response = await fetch(url);
  if (!response.ok || response.body === null) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  const length = response.headers.get('content-length');
  const total = length === null ? null : Number(length);
  onProgress?.({ loaded: 0, total });
  const partial = `${target}.part-${process.pid}`;
  const hash = sha256Stream();
  let received = 0;
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    received += chunk.length;
    onProgress?.({ loaded: received, total });
  });
  try {
    await pipeline(body, createWriteStream(partial));
    checkHashInName(url, name, hash.hex());
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return target;
}
