// SPDX-License-Identifier: MIT
// Pretrained models by name, browser-safe: resolve (pretrained_ref.ts), download with byte progress
// (download_bytes.ts), convert in memory, and keep the converted model in a cache the caller provides
// (a directory in Node, IndexedDB in a page) so that a second load neither downloads nor converts.
import { classifierFromModel, getPretrainedConfig, isHubId, isModelName, WeightPortError } from '@natzoo/models';
import type { Classifier, ModelName, ModelPreprocess, PretrainedTag } from '@natzoo/models';
import type { LayersModel } from '@tensorflow/tfjs';
import { convertModel, disposeConverted, type ConvertedClassifierModel } from '../convert/convert_model.js';
import { downloadBytes, type Download, type DownloadOptions } from './download_bytes.js';
import { HubError } from './hub_error.js';
import { isCurrent, weightsVersion } from './weights_version.js';
import { badReference, defaultHubEndpoint, resolvePretrained, type PretrainedPlan, type PretrainedRefOptions } from './pretrained_ref.js';

export type PretrainedStage = 'resolving' | 'downloading' | 'converting' | 'caching' | 'from-cache';

/** Where converted models are kept between loads, under keys from pretrainedCacheKey. */
export interface PretrainedCache {
  get(key: string): Promise<{ model: LayersModel; preprocess: ModelPreprocess } | null>;
  put(key: string, model: LayersModel, preprocess: ModelPreprocess): Promise<void>;
}

export interface PretrainedOptions extends PretrainedRefOptions, DownloadOptions {
  /** Called as the load moves on; `from-cache` means nothing was downloaded. */
  onStage?: (stage: PretrainedStage) => void;
}

export interface LoadPretrainedOptions extends PretrainedOptions {
  cache?: PretrainedCache;
  /** Convert again even when the cache holds the model. */
  refresh?: boolean;
}

/**
 * The cache key of `ref`: the source (hub endpoint and repo, or the tag and its release URL) and the revision.
 * What the key holds is used only while the weights are unchanged: a branch revision or an unhashed release URL is
 * asked for its current version (one HEAD, weightsVersion) and a conversion of other bytes is done again.
 */
export function pretrainedCacheKey(ref: string, opts: PretrainedRefOptions = {}): string {
  if (isModelName(ref)) return `${ref}@${opts.url ?? getPretrainedConfig(ref as ModelName | PretrainedTag).url ?? ''}`;
  if (isHubId(ref)) return `${(opts.endpoint ?? defaultHubEndpoint()).replace(/\/+$/, '')}/${ref}@${opts.revision ?? 'main'}`;
  throw badReference(ref);
}

/** The first weights URL of the plan that exists (a 404 moves on to the next candidate). */
async function downloadWeights(plan: PretrainedPlan, opts: DownloadOptions): Promise<Download> {
  for (const [i, url] of plan.weightUrls.entries()) {
    try {
      return await downloadBytes(url, opts);
    } catch (error) {
      const last = i === plan.weightUrls.length - 1;
      if (last || !(error instanceof HubError && error.problem === 'not-found')) throw error;
    }
  }
  throw new HubError('not-found', plan.ref, 'no weights file');
}

/** Downloads and converts `ref` (a hub id or a registry tag) in memory; the caller disposes the result. */
export async function convertPretrained(ref: string, opts: PretrainedOptions = {}): Promise<ConvertedClassifierModel> {
  opts.onStage?.('resolving');
  const plan = await resolvePretrained(ref, opts);
  opts.onStage?.('downloading');
  const download = await downloadWeights(plan, opts);
  opts.onStage?.('converting');
  let converted;
  try {
    converted = await convertModel(download.source, { ...plan.convert, hash: false });
  } catch (error) {
    if (!(error instanceof WeightPortError)) throw error;
    const what = plan.kind === 'hub' ? 'the architecture its config.json describes' : `the ${plan.ref} architecture`;
    throw new HubError('keys-mismatch', ref, `the checkpoint's keys do not fit ${what}: ${error.message}\n  pass options.config with the architecture's kwargs (embed_dim, depths, num_heads, kernel_size, ...)`, null, { cause: error });
  }
  if (converted.kind !== 'classifier') {
    disposeConverted(converted);
    throw new HubError('unknown-model-type', ref, 'is not a classifier');
  }
  const source = { checkpoint: download.source.name, sha256: download.sha256, url: download.url, ...(download.etag !== null && download.etag !== download.sha256 ? { etag: download.etag } : {}) };
  return { ...converted, source, preprocess: { ...converted.preprocess, model: ref, source } };
}

/**
 * A Classifier for `ref`, a hub id (`shi-labs/dinat-mini-in1k-224`) or a registry tag (`nat_mini.in1k`): from
 * `opts.cache` when it holds it, else downloaded, converted, and put in the cache.
 */
export async function loadPretrained(ref: string, opts: LoadPretrainedOptions = {}): Promise<Classifier> {
  const key = pretrainedCacheKey(ref, opts);
  const cached = opts.cache !== undefined && opts.refresh !== true ? await opts.cache.get(key) : null;
  if (cached !== null) {
    if (isCurrent(cached.preprocess.source, await weightsVersion(ref, opts))) {
      opts.onStage?.('from-cache');
      return classifierFromModel(cached.model, cached.preprocess, ref);
    }
    cached.model.dispose();
  }
  const converted = await convertPretrained(ref, opts);
  try {
    if (opts.cache !== undefined) {
      opts.onStage?.('caching');
      await opts.cache.put(key, converted.model, converted.preprocess);
    }
    return classifierFromModel(converted.model, converted.preprocess, ref);
  } catch (error) {
    disposeConverted(converted);
    throw error;
  }
}
