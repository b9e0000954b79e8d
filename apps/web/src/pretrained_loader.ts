// SPDX-License-Identifier: MIT
// Pretrained models by name in the page: from IndexedDB when converted before (the preprocess description rides
// in the model's user-defined metadata), else downloaded and converted in a Web Worker (pretrained_worker.ts),
// then cached. The cache key is @natzoo/train's: the source (hub endpoint and repo, or tag and release URL) and
// the revision; a cached model is used while the weights' version (one HEAD, weightsVersion) is what it came from.
import * as tf from '@tensorflow/tfjs';
import { classifierFromModel, parsePreprocess } from '@natzoo/models';
import { isCurrent, pretrainedCacheKey, quantizeWeights, weightsVersion } from '@natzoo/train/convert';
import type { ByteProgress, PretrainedStage, Quantization } from '@natzoo/train/convert';
import { CACHE_PREFIX, hash53, listCachedModels } from './model_loader.js';
import type { LoadedModel } from './model_loader.js';
import type { PretrainedReply, PretrainedRequest } from './pretrained_worker.js';

export interface PretrainedPageOptions {
  endpoint?: string;
  revision?: string;
  /** Keep the cached copy as float16 or uint8 weights (half or a quarter of the bytes); default float32. */
  cacheAs?: Quantization;
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

/** Saves `model` under `key` with its float32 weights quantized (tfjs dequantizes them on load). */
async function saveQuantized(model: tf.LayersModel, key: string, dtype: Quantization): Promise<void> {
  const [target] = tf.io.getSaveHandlers(key);
  if (target?.save === undefined) throw new Error(`no tfjs save handler for ${key}`);
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = Array.isArray(artifacts.weightData) ? await new Blob(artifacts.weightData).arrayBuffer() : (artifacts.weightData as ArrayBuffer);
      const quantized = quantizeWeights({ specs: artifacts.weightSpecs ?? [], data }, dtype);
      return target.save!({ ...artifacts, weightSpecs: quantized.specs, weightData: quantized.data });
    }),
  );
}

/** Loads `ref` (a hub id or a registry tag) from the cache, or converts it in a worker and caches it. */
export async function loadPretrainedModel(ref: string, opts: PretrainedPageOptions = {}): Promise<LoadedModel> {
  const started = performance.now();
  const where = { ...(opts.endpoint ? { endpoint: opts.endpoint } : {}), ...(opts.revision ? { revision: opts.revision } : {}) };
  const cacheKey = `${CACHE_PREFIX}pretrained-${hash53(pretrainedCacheKey(ref, where))}-${opts.cacheAs ?? 'float32'}`;
  if ((await listCachedModels()).includes(cacheKey)) {
    try {
      const model = await tf.loadLayersModel(cacheKey);
      const preprocess = parsePreprocess(cacheKey, (model.getUserDefinedMetadata() as { preprocess: object }).preprocess);
      if (isCurrent(preprocess.source, await weightsVersion(ref, where))) {
        opts.onStage?.('from-cache');
        return { classifier: classifierFromModel(model, preprocess, ref), source: 'indexeddb', loadMs: performance.now() - started };
      }
      model.dispose();
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
  const saving = opts.cacheAs === undefined ? model.save(cacheKey) : saveQuantized(model, cacheKey, opts.cacheAs);
  await saving.catch((error: unknown) => console.warn('natzoo: could not cache the model in IndexedDB', error));
  return { classifier, source: 'network', loadMs };
}
