// SPDX-License-Identifier: MIT
// Loading a model into the page (from a URL, files, or the hub by name): the timings, the model's name and
// source, and the attention layers it offers for the overlay.
import { findAttentionSources } from './attention_map.js';
import { loadModelFromFiles, loadModelFromUrl } from './model_loader.js';
import { loadByName, showCacheSize } from './by_name_view.js';
import { state, WARM_RUNS, type ModelOrigin } from './page_state.js';
import { element, fillSelect, setStatus, showTime } from './view.js';

export async function loadModel(origin: ModelOrigin): Promise<void> {
  setStatus('loading-model');
  const progress = element<HTMLProgressElement>('model-progress');
  progress.value = 0;
  element('load-stage').textContent = '';
  const loaded = origin.kind === 'url'
    ? await loadModelFromUrl(origin.url, (fraction) => (progress.value = fraction))
    : origin.kind === 'pretrained'
      ? await loadByName(origin.ref, origin.endpoint, progress)
      : await loadModelFromFiles(origin.files);
  progress.value = 1;
  element('load-stage').textContent = '';
  await showCacheSize();
  state.loaded?.classifier.dispose();
  state.loaded = loaded;
  state.origin = origin;
  state.firstDone = false;
  element('model-name').textContent = loaded.classifier.preprocess.model;
  element('model-source').textContent = loaded.source;
  showTime('time-load', loaded.loadMs, loaded.source);
  showTime('time-first', null);
  showTime('time-warm', null);
  if (WARM_RUNS === 0) element('time-warm').textContent = 'not measured (?warm=0)';
  state.attention = findAttentionSources(loaded.classifier.model);
  fillSelect('attention-select', [
    { value: '', text: 'none' },
    ...state.attention.map((s) => ({ value: s.layer, text: `${s.kind === 'sequence-pooling' ? 'sequence pooling' : 'neighbourhood attention'}: ${s.layer}` })),
  ], '');
  // The overlay is off until asked for: the image itself comes first.
  element('attention-note').textContent = state.attention.length === 0 ? 'this model has no sequence pooling or 2-D neighbourhood attention to show' : 'pick a layer to overlay what the model looked at';
  setStatus('model-ready');
}
