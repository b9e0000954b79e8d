// SPDX-License-Identifier: MIT
// fetch with the failures a hub download meets turned into HubErrors: no network, a CORS refusal (told apart
// in a browser by an opaque `no-cors` probe that does get through), 404, 401/403 (gated or private), others.
import { HubError } from './hub_error.js';

export interface HubFetchOptions {
  /** The fetch to use; default: the global one. */
  fetch?: typeof fetch;
  /** Extra request headers, e.g. `Authorization: Bearer <token>` for a gated repo. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

const inBrowser = (): boolean => typeof document !== 'undefined' || (typeof self !== 'undefined' && typeof (self as { importScripts?: unknown }).importScripts === 'function');

/** Whether `url`'s host answers a request that CORS cannot block (a `no-cors` fetch resolves with an opaque answer). */
async function hostAnswers(url: string, doFetch: typeof fetch): Promise<boolean> {
  try {
    await doFetch(url, { mode: 'no-cors', method: 'HEAD' });
    return true;
  } catch {
    return false;
  }
}

async function requestFailed(url: string, error: unknown, doFetch: typeof fetch): Promise<HubError> {
  if ((error as Error).name === 'AbortError') return new HubError('network', url, 'the request was aborted', null, { cause: error });
  if (inBrowser() && (await hostAnswers(url, doFetch))) {
    const origin = new URL(url).origin;
    return new HubError(
      'cors',
      url,
      `${origin} answered but does not allow this page's origin (CORS); use a mirror that sends Access-Control-Allow-Origin (the endpoint option), or download the file and pick it`,
      null,
      { cause: error },
    );
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (error as Error).message;
  return new HubError('network', url, `cannot reach the host (${why}); check the network, or set the hub endpoint to a reachable mirror`, null, { cause: error });
}

/** The HubError for a failed HTTP answer. */
export function statusError(url: string, response: Response): HubError {
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  if (response.status === 404) return new HubError('not-found', url, `${status}: no such repo, revision or file`, 404);
  if (response.status === 401 || response.status === 403) {
    return new HubError('gated', url, `${status}: the repo is gated or private; accept its terms on the hub and pass headers: { Authorization: 'Bearer <token>' }`, response.status);
  }
  return new HubError('http', url, status, response.status);
}

/** The version an answer tells about its body: the LFS sha256 the hub sends (`X-Linked-Etag`), else the ETag, unquoted. */
export function responseVersion(response: Response): string | null {
  const tag = response.headers.get('x-linked-etag') ?? response.headers.get('etag');
  return tag === null ? null : tag.replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** GETs `url` (following redirects); resolves with a 2xx response, else throws a HubError. */
export async function hubFetch(url: string, opts: HubFetchOptions = {}): Promise<Response> {
  const doFetch = opts.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(url, { headers: opts.headers ?? {}, redirect: 'follow', ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (error) {
    throw await requestFailed(url, error, doFetch);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw statusError(url, response);
  }
  return response;
}

/** The JSON at `url`, or null for a 404 when `optional`. */
export async function hubJson(url: string, opts: HubFetchOptions, optional = false): Promise<unknown> {
  let response: Response;
  try {
    response = await hubFetch(url, opts);
  } catch (error) {
    if (optional && error instanceof HubError && error.problem === 'not-found') return null;
    throw error;
  }
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HubError('bad-config', url, `not valid JSON (${(error as Error).message})`, null, { cause: error });
  }
}
