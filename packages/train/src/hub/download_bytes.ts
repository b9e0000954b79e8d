// SPDX-License-Identifier: MIT
// One checkpoint download into memory, browser-safe: the body is streamed into a single buffer of the announced
// size (never a second copy), hashed as it arrives, with byte progress. The size is checked against the
// announced length and the sha256 against a torch-hub hash prefix in the file name.
import { bufferSource, type ByteSource } from '../io/byte_source.js';
import { hashPrefixInName } from '../io/hash_in_name.js';
import { sha256Stream } from '../io/sha256.js';
import { HubError } from './hub_error.js';
import { hubFetch, responseVersion, type HubFetchOptions } from './hub_fetch.js';

export interface ByteProgress {
  loaded: number;
  /** The announced length; null when the server sends none. */
  total: number | null;
}

export interface DownloadOptions extends HubFetchOptions {
  onProgress?: (progress: ByteProgress) => void;
}

export interface Download {
  /** The URL asked for (before redirects). */
  url: string;
  source: ByteSource;
  sha256: string;
  /** The URL the bytes came from after redirects. */
  finalUrl: string;
  /** The version the server told (ETag), for cache checks (weights_version.ts); null when it told none. */
  etag: string | null;
}

/** The last path segment of `url`. */
export function fileNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.split('/').filter((s) => s !== '').pop() ?? '');
}

/** Appends `chunk` at `at`, growing `buffer` (doubling) only when no length was announced. */
function place(buffer: Uint8Array<ArrayBuffer>, at: number, chunk: Uint8Array, fixed: boolean, url: string): Uint8Array<ArrayBuffer> {
  if (at + chunk.length > buffer.length) {
    if (fixed) throw new HubError('size-mismatch', url, `the server announced ${buffer.length} bytes and sent more`);
    const grown = new Uint8Array(Math.max(at + chunk.length, buffer.length * 2));
    grown.set(buffer.subarray(0, at));
    buffer = grown;
  }
  buffer.set(chunk, at);
  return buffer;
}

/** Downloads `url` (following redirects) into memory; throws a HubError on any failure. */
export async function downloadBytes(url: string, opts: DownloadOptions = {}): Promise<Download> {
  const response = await hubFetch(url, opts);
  const announced = response.headers.get('content-length');
  // A compressed body's length is not the file's; only an identity body's length can be checked.
  const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
  const total = announced !== null && !encoded && Number.isSafeInteger(Number(announced)) ? Number(announced) : null;
  let buffer = new Uint8Array(total ?? 1 << 20);
  const hash = sha256Stream();
  let loaded = 0;
  opts.onProgress?.({ loaded, total });
  const reader = response.body!.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer = place(buffer, loaded, value, total !== null, url);
      hash.update(value);
      loaded += value.length;
      opts.onProgress?.({ loaded, total });
    }
  } catch (error) {
    if (error instanceof HubError) throw error;
    throw new HubError('network', url, `the download broke off after ${loaded} bytes (${(error as Error).message})`, null, { cause: error });
  } finally {
    reader.releaseLock();
  }
  if (total !== null && loaded !== total) throw new HubError('size-mismatch', url, `the server announced ${total} bytes and sent ${loaded}`);
  const sha256 = hash.hex();
  const name = fileNameOf(url);
  const expected = hashPrefixInName(name);
  if (expected !== undefined && !sha256.startsWith(expected)) {
    throw new HubError('hash-mismatch', url, `sha256 ${sha256} does not start with ${expected} from the file name; refusing the download`);
  }
  const bytes = buffer.length === loaded ? buffer : buffer.subarray(0, loaded);
  return { url, source: bufferSource(bytes, name), sha256, finalUrl: response.url || url, etag: responseVersion(response) };
}
