// SPDX-License-Identifier: MIT
// The page's models by name: the picker's list, the hub address and cache options (also from ?hub= and
// ?cache=), loading with the name shown at once and byte progress, and the cache line.
import type { ByteProgress } from '@natzoo/train/convert';
import { cacheSummary } from './model_loader.js';
import type { LoadedModel } from './model_loader.js';
import { modelCatalog } from './model_catalog.js';
import { loadPretrainedModel } from './pretrained_loader.js';
import { element, showError } from './view.js';

export async function showCacheSize(): Promise<void> {
  const { models, bytes } = await cacheSummary();
  const cell = element('cache-size');
  cell.textContent = `${models} model${models === 1 ? '' : 's'}, ${(bytes / 1e6).toFixed(1)} MB in IndexedDB`;
  cell.dataset['bytes'] = String(bytes);
}

/** A model by name: the name shows at once, then byte progress (download) and the stage (converting, caching). */
export function loadByName(ref: string, endpoint: string, progress: HTMLProgressElement): Promise<LoadedModel> {
  element('model-name').textContent = ref;
  element('model-source').textContent = 'loading';
  const log: ByteProgress[] = [];
  window.natzoo = { ...window.natzoo, progress: log };
  const cacheAs = element<HTMLSelectElement>('cache-as').value;
  return loadPretrainedModel(ref, {
    endpoint,
    ...(cacheAs === 'float16' || cacheAs === 'uint8' ? { cacheAs } : {}),
    onStage: (stage) => (element('load-stage').textContent = stage),
    onProgress: (p) => {
      log.push(p);
      if (p.total !== null && p.total > 0) progress.value = p.loaded / p.total;
      element('load-stage').textContent = `downloading ${(p.loaded / 1e6).toFixed(1)}${p.total === null ? '' : ` / ${(p.total / 1e6).toFixed(1)}`} MB`;
    },
  });
}

/** Fills the picker and applies ?hub= and ?cache=. */
export function setUpByName(params: URLSearchParams): void {
  element('pretrained-list').replaceChildren(...modelCatalog().map(({ ref, label }) => Object.assign(document.createElement('option'), { value: ref, label })));
  const hub = params.get('hub');
  if (hub !== null) element<HTMLInputElement>('hub-endpoint').value = hub;
  const cacheAs = params.get('cache');
  if (cacheAs !== null) {
    if (!['float32', 'float16', 'uint8'].includes(cacheAs)) showError(`?cache=${cacheAs}: expected float32, float16 or uint8`);
    else element<HTMLSelectElement>('cache-as').value = cacheAs;
  }
}
