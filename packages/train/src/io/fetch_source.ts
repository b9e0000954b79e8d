// SPDX-License-Identifier: MIT
// A byte source over HTTP Range requests, so a page can convert a published checkpoint without downloading the
// parts the conversion never reads. The first request (`bytes=0-0`) learns the length and follows redirects once;
// later reads go straight to the final URL. A server that ignores ranges, or refuses the request, is a typed error.
import { checkRange, type ByteSource } from './byte_source.js';

export type FetchSourceProblem = 'no-ranges' | 'unauthorized' | 'forbidden' | 'not-found' | 'http' | 'network';

/** An HTTP byte source could not be read; `problem` says why in a form code can test. */
export class FetchSourceError extends Error {
  override readonly name = 'FetchSourceError';
  constructor(
    readonly url: string,
    readonly problem: FetchSourceProblem,
    readonly status: number | null,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${url}: ${detail}`, options);
  }
}

export interface FetchSourceOptions {
  /** Extra request headers (e.g. `Authorization`); `Range` is set by the source. */
  headers?: Record<string, string>;
  /** The fetch to use; default: the global one. */
  fetch?: typeof fetch;
}

const PROBLEM_BY_STATUS: Record<number, FetchSourceProblem> = { 401: 'unauthorized', 403: 'forbidden', 404: 'not-found' };

function statusError(url: string, response: Response): FetchSourceError {
  const problem = PROBLEM_BY_STATUS[response.status] ?? 'http';
  const hint = problem === 'unauthorized' || problem === 'forbidden' ? ' (the server wants credentials: pass headers)' : '';
  return new FetchSourceError(url, problem, response.status, `HTTP ${response.status} ${response.statusText}${hint}`);
}

/** `bytes first-last/total` of a 206 answer. */
function parseContentRange(value: string | null): { first: number; last: number; total: number } | null {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(value?.trim() ?? '');
  if (match === null) return null;
  const [first, last, total] = match.slice(1).map(Number) as [number, number, number];
  return Number.isSafeInteger(total) ? { first, last, total } : null;
}

async function rangeRequest(url: string, first: number, last: number, opts: FetchSourceOptions): Promise<Response> {
  const doFetch = opts.fetch ?? fetch;
  try {
    return await doFetch(url, { headers: { ...opts.headers, Range: `bytes=${first}-${last}` }, redirect: 'follow' });
  } catch (error) {
    throw new FetchSourceError(url, 'network', null, `request failed (${(error as Error).message})`, { cause: error });
  }
}

/** Throws unless `response` is a 206 carrying `[first, last]`; returns the resource's total length. */
async function checkPartial(url: string, response: Response, first: number, last: number): Promise<number> {
  if (response.status === 200) {
    await response.body?.cancel();
    throw new FetchSourceError(url, 'no-ranges', 200, 'the server ignores HTTP Range requests (answered 200 with the whole file); download the file and read it from memory instead');
  }
  if (response.status !== 206) {
    await response.body?.cancel();
    throw statusError(url, response);
  }
  const range = parseContentRange(response.headers.get('content-range'));
  if (range === null || range.first !== first || range.last !== last) {
    await response.body?.cancel();
    throw new FetchSourceError(url, 'no-ranges', 206, `asked for bytes ${first}-${last}, the server answered Content-Range '${response.headers.get('content-range') ?? ''}'`);
  }
  return range.total;
}

/** Opens `url` for ranged reads; resolves once the length is known. */
export async function fetchSource(url: string, opts: FetchSourceOptions = {}): Promise<ByteSource> {
  const probe = await rangeRequest(url, 0, 0, opts);
  let total: number;
  if (probe.status === 416) {
    // An empty resource has no byte 0; the server says so with `bytes */0`.
    await probe.body?.cancel();
    if (!/^bytes \*\/0$/.test(probe.headers.get('content-range')?.trim() ?? '')) throw statusError(url, probe);
    total = 0;
  } else {
    total = await checkPartial(url, probe, 0, 0);
    await probe.arrayBuffer();
  }
  const finalUrl = probe.url !== '' ? probe.url : url;
  return {
    name: url,
    byteLength: total,
    async read(offset, length) {
      checkRange(url, total, offset, length);
      if (length === 0) return new Uint8Array(0);
      const last = offset + length - 1;
      const response = await rangeRequest(finalUrl, offset, last, opts);
      await checkPartial(url, response, offset, last);
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (bytes.length !== length) throw new FetchSourceError(url, 'http', 206, `asked for ${length} bytes at ${offset}, received ${bytes.length}`);
      return bytes;
    },
  };
}
