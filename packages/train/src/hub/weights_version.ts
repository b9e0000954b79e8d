// SPDX-License-Identifier: MIT
// What a pretrained model's weights are now, without downloading them, so that a cached conversion is used only
// while the file it came from is unchanged (as huggingface_hub checks its cache). A hub file's version is the
// sha256 the hub reports for LFS files (`X-Linked-Etag` on the redirect), else its ETag; a commit revision and a
// release URL whose name carries a hash prefix (checked at download) pin the content, so they need no request.
import { getPretrainedConfig, isModelName } from '@natzoo/models';
import type { ModelName, PretrainedTag } from '@natzoo/models';
import { hashPrefixInName } from '../io/hash_in_name.js';
import type { CheckpointProvenance } from '../convert/convert_options.js';
import { fileNameOf } from './download_bytes.js';
import { responseVersion, type HubFetchOptions } from './hub_fetch.js';
import { defaultHubEndpoint, hubFileUrl, HUB_WEIGHT_FILES, type PretrainedRefOptions } from './pretrained_ref.js';

const COMMIT = /^[0-9a-f]{40}$/;

type Probe = { status: 'found'; version: string | null } | { status: 'missing' };

/** HEAD `url`: read the redirect's own headers where the platform shows them (Node), else the final answer's. */
async function probe(url: string, opts: HubFetchOptions): Promise<Probe> {
  const doFetch = opts.fetch ?? fetch;
  const init = { method: 'HEAD', headers: opts.headers ?? {}, ...(opts.signal ? { signal: opts.signal } : {}) };
  const first = await doFetch(url, { ...init, redirect: 'manual' });
  if (first.status === 404) return { status: 'missing' };
  const early = first.status >= 300 && first.status < 400 ? responseVersion(first) : null;
  if (early !== null) return { status: 'found', version: early };
  const final = first.ok ? first : await doFetch(url, { ...init, redirect: 'follow' });
  if (final.status === 404) return { status: 'missing' };
  return { status: 'found', version: final.ok ? responseVersion(final) : null };
}

/**
 * The current version of `ref`'s weights; null when the content is pinned (nothing to check), when the server
 * tells none, or when it cannot be asked (offline: the cached conversion is used, as huggingface_hub does).
 */
export async function weightsVersion(ref: string, opts: PretrainedRefOptions = {}): Promise<string | null> {
  let urls: string[];
  if (isModelName(ref)) {
    const url = opts.url ?? getPretrainedConfig(ref as ModelName | PretrainedTag).url;
    if (url === undefined || hashPrefixInName(fileNameOf(url)) !== undefined) return null;
    urls = [url];
  } else {
    const revision = opts.revision ?? 'main';
    if (COMMIT.test(revision)) return null;
    urls = HUB_WEIGHT_FILES.map((file) => hubFileUrl(opts.endpoint ?? defaultHubEndpoint(), ref, revision, file));
  }
  try {
    for (const url of urls) {
      const answer = await probe(url, opts);
      if (answer.status === 'found') return answer.version;
    }
  } catch {
    // No network: keep what the cache holds.
  }
  return null;
}

/** Whether a cached conversion's provenance is of the weights at `version` (its content sha256, or the ETag seen). */
export function isCurrent(source: Partial<CheckpointProvenance> | undefined, version: string | null): boolean {
  return version === null || source?.sha256 === version || source?.etag === version;
}
