// SPDX-License-Identifier: MIT
// Pretrained models by name in the page: from IndexedDB when converted before (the preprocess description rides
// in the model's user-defined metadata), else downloaded and converted in a Web Worker (pretrained_worker.ts),
// then cached. The cache key is @natzoo/train's: the source (hub endpoint and repo, or tag and release URL) and
// the revision.
import * as tf from '@tensorflow/tfjs';
import { classifierFromModel, parsePreprocess } from '@natzoo/models';
import { pretrainedCacheKey } from '@natzoo/train/convert';
import type { ByteProgress, PretrainedStage } from '@natzoo/train/convert';
import { CACHE_PREFIX, hash53, listCachedModels } from './model_loader.js';
import type { LoadedModel } from './model_loader.js';
import type { PretrainedReply, PretrainedRequest } from './pretrained_worker.js';

export interface PretrainedPageOptions {
  endpoint?: string;
  revision?: string;
  onProgress?: (progress: ByteProgress) => void;
  onStage?: (stage: PretrainedStage) => void;
}

/** Runs the conversion in a worker; resolves with the model on this thread's backend and its preprocessing. */
function convertInWorker(request: PretrainedRequest, opts: PretrainedPageOptions): Promise<Extract<PretrainedReply, { type: 'done' }>> {
  const worker = new Worker(new URL('./pretrained_worker.ts', import.meta.url), { type: 'module' });
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<PretrainedReply>) => {
      const reply = event.data;
      if (reply.type === 'stage') opts.onStage?.(reply.stage);
      else if (reply.type === 'progress') opts.onProgress?.({ loaded: reply.loaded, total: reply.total });
      else {
        worker.terminate();
        if (reply.type === 'done') resolve(reply);
        else reject(new Error(reply.message));
      }
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(`the conversion worker failed: ${event.message}`));
    };
    worker.postMessage(request);
  });
}

/** Loads `ref` (a hub id or a registry tag) from the cache, or converts it in a worker and caches it. */
export async function loadPretrainedModel(ref: string, opts: PretrainedPageOptions = {}): Promise<LoadedModel> {
  const started = performance.now();
  const where = { ...(opts.endpoint ? { endpoint: opts.endpoint } : {}), ...(opts.revision ? { revision: opts.revision } : {}) };
  const cacheKey = `${CACHE_PREFIX}pretrained-${hash53(pretrainedCacheKey(ref, where))}`;
  if ((await listCachedModels()).includes(cacheKey)) {
    try {
      const model = await tf.loadLayersModel(cacheKey);
      const preprocess = parsePreprocess(cacheKey, (model.getUserDefinedMetadata() as { preprocess: object }).preprocess);
      opts.onStage?.('from-cache');
      return { classifier: classifierFromModel(model, preprocess, ref), source: 'indexeddb', loadMs: performance.now() - started };
    } catch (error) {
      console.warn(`natzoo: cached model ${cacheKey} is unreadable, converting it again`, error);
    }
  }
  const reply = await convertInWorker({ ref, ...where }, opts);
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: reply.modelTopology, weightSpecs: reply.weightSpecs, weightData: reply.weightData }));
  const classifier = classifierFromModel(model, reply.preprocess, ref);
  const loadMs = performance.now() - started;
  opts.onStage?.('caching');
  model.setUserDefinedMetadata({ preprocess: reply.preprocess });
  // A full or blocked IndexedDB only costs the cache.
  await model.save(cacheKey).catch((error: unknown) => console.warn('natzoo: could not cache the model in IndexedDB', error));
  return { classifier, source: 'network', loadMs };
}
