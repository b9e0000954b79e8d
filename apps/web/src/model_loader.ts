// SPDX-License-Identifier: MIT
// Loading a converted model (model.json + weight shards + preprocess.json) with @natzoo/models' loadClassifier:
// from a URL, with the weights cached in IndexedDB through tfjs's `indexeddb://` handler, or from files the
// user picks.
import * as tf from '@tensorflow/tfjs';
import { loadClassifier, parsePreprocess } from '@natzoo/models';
import type { Classifier } from '@natzoo/models';

export interface LoadedModel {
  classifier: Classifier;
  /** Where the weights came from this time. */
  source: 'network' | 'indexeddb' | 'files';
  loadMs: number;
}

/** Every model this page caches lives under this prefix (the clear button removes them all). */
export const CACHE_PREFIX = 'indexeddb://natzoo/';

/** cyrb53: a 53-bit string hash; names cache entries after the model's files, so a changed model is refetched. */
export function hash53(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

async function fetchText(url: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`cannot fetch ${url}: ${(error as Error).message}`, { cause: error });
  }
  if (!response.ok) throw new Error(`cannot fetch ${url}: HTTP ${response.status} ${response.statusText}`);
  return response.text();
}

/**
 * Loads `modelUrl` (a model.json; preprocess.json beside it). The weights come from IndexedDB when an entry for
 * the same URL and the same model.json/preprocess.json exists; otherwise from the network, then they are cached.
 */
export async function loadModelFromUrl(modelUrl: string, onProgress?: (fraction: number) => void): Promise<LoadedModel> {
  const started = performance.now();
  const absolute = new URL(modelUrl, document.baseURI).href;
  const preprocessUrl = new URL('preprocess.json', absolute).href;
  // Both fetches run at once; when both fail, model.json's error is the one reported, whichever failed first.
  const [modelResult, preprocessResult] = await Promise.allSettled([fetchText(absolute), fetchText(preprocessUrl)]);
  if (modelResult.status === 'rejected') throw modelResult.reason;
  if (preprocessResult.status === 'rejected') throw preprocessResult.reason;
  const [modelJson, preprocessText] = [modelResult.value, preprocessResult.value];
  const preprocess = parsePreprocess(preprocessUrl, preprocessText);
  const urlKey = hash53(absolute);
  const cacheKey = `${CACHE_PREFIX}${urlKey}-${hash53(modelJson + preprocessText)}`;

  const cached = await listCachedModels();
  if (cached.includes(cacheKey)) {
    try {
      const classifier = await loadClassifier(cacheKey, { preprocess });
      onProgress?.(1);
      return { classifier, source: 'indexeddb', loadMs: performance.now() - started };
    } catch (error) {
      console.warn(`natzoo: cached model ${cacheKey} is unreadable, fetching it again`, error);
    }
  }
  const classifier = await loadClassifier(absolute, onProgress === undefined ? { preprocess } : { preprocess, onProgress });
  const loadMs = performance.now() - started;
  // Older entries of the same URL are stale now; a full or blocked IndexedDB only costs the cache.
  await Promise.all(cached.filter((key) => key.startsWith(`${CACHE_PREFIX}${urlKey}-`)).map((key) => tf.io.removeModel(key).catch(() => undefined)));
  await classifier.model.save(cacheKey).catch((error: unknown) => console.warn('natzoo: could not cache the model in IndexedDB', error));
  return { classifier, source: 'network', loadMs };
}

/** Loads model.json, its weight shards and preprocess.json picked by the user (any order). */
export async function loadModelFromFiles(files: readonly File[]): Promise<LoadedModel> {
  const started = performance.now();
  const classifier = await loadClassifier(files);
  return { classifier, source: 'files', loadMs: performance.now() - started };
}

export async function listCachedModels(): Promise<string[]> {
  try {
    return Object.keys(await tf.io.listModels()).filter((key) => key.startsWith(CACHE_PREFIX));
  } catch {
    return []; // IndexedDB unavailable (private mode, file://): no cache.
  }
}

/** How many models this page cached and their bytes (weights, topology and manifest). */
export async function cacheSummary(): Promise<{ models: number; bytes: number }> {
  try {
    const entries = Object.entries(await tf.io.listModels()).filter(([key]) => key.startsWith(CACHE_PREFIX));
    const bytes = entries.reduce((n, [, info]) => n + (info.weightDataBytes ?? 0) + (info.modelTopologyBytes ?? 0) + (info.weightSpecsBytes ?? 0), 0);
    return { models: entries.length, bytes };
  } catch {
    return { models: 0, bytes: 0 };
  }
}

/** Removes every model this page cached. */
export async function clearModelCache(): Promise<number> {
  const keys = await listCachedModels();
  await Promise.all(keys.map((key) => tf.io.removeModel(key)));
  return keys.length;
}
