// SPDX-License-Identifier: MIT
// A checkpoint argument that may be a URL: downloads into the cache (io/download.ts checks torch hub's hash
// prefix) and turns fetch's bare "fetch failed" into an error that names the URL and the network cause.
import { downloadToCache } from '../io/download.js';
import type { ByteProgress } from '../hub/download_bytes.js';

export function isUrl(ref: string): boolean {
  return /^https?:\/\//i.test(ref);
}

/** The local path of `ref`: itself, or its cached download when it is an http(s) URL. */
export async function fetchCheckpoint(ref: string, opts: { cacheDir?: string; onProgress?: (progress: ByteProgress) => void } = {}): Promise<string> {
  if (!isUrl(ref)) return ref;
  try {
    return await downloadToCache(ref, opts.cacheDir, opts.onProgress);
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    if (e.message !== 'fetch failed') throw error;
    const why = e.cause?.code ?? e.cause?.message ?? 'network error';
    throw new Error(`${ref}: download failed (${why}); without network, download the file elsewhere and convert the local copy`, { cause: error });
  }
}
