// SPDX-License-Identifier: MIT
// The page's control flow: start a backend, load a model, classify images from the file input, drag and drop,
// paste or the samples, and draw the attention overlay. Every step runs through one queue, so a new image waits
// for the previous one, and every failure lands in the page's error list.
// URL parameters: ?backend=webgpu|webgl|wasm|cpu, ?model=<url of a model.json>, ?warm=<runs> (default 5),
// ?pretrained=<hub id or tag> (loaded at start), ?hub=<hub address> (default https://huggingface.co),
// ?cache=float32|float16|uint8 (how models by name are kept in IndexedDB), ?threads=<n> (wasm threads, on a
// cross-origin-isolated page).
import * as tf from '@tensorflow/tfjs';
import type { RGBImage } from '@natzoo/models';
import { models as bundledModels, samples } from 'virtual:natzoo-assets';
import { activateBackend, activateBest, isBackendName, offeredBackends } from './backends.js';
import type { BackendName } from './backends.js';
import { findAttentionSources, neighborhoodMap, sequencePoolingMap } from './attention_map.js';
import type { AttentionSource } from './attention_map.js';
import { decodeImage } from './decode_image.js';
import type { ByteProgress } from '@natzoo/train/convert';
import { clearModelCache, loadModelFromFiles, loadModelFromUrl } from './model_loader.js';
import type { LoadedModel } from './model_loader.js';
import { loadByName, setUpByName, showCacheSize } from './by_name_view.js';
import { drawImage, drawOverlay } from './overlay.js';
import { timedClassify, warmTime } from './timing.js';
import { requestWasmThreads, showWasmThreading } from './wasm_threads.js';
import type { WasmThreading } from './wasm_threads.js';
import { clearErrors, clearPredictions, element, fillSelect, setStatus, showError, showPredictions, showTime } from './view.js';

declare global {
  interface Window {
    /** The last attention map drawn, for tests and the curious (devtools). */
    natzoo?: {
      attention?: { kind: string; layer: string; rows: number; cols: number; query: [number, number] | null; weights: number[] };
      /** Byte progress of the last download by name, in arrival order. */
      progress?: ByteProgress[];
      /** Logits of the current model for a prepared NHWC input (tests compare them with fixtures). */
      logits?: (data: number[], shape: [number, number, number, number]) => Promise<number[]>;
      /** How the wasm backend runs (threads, the kernels' memory); null on another backend. */
      wasm?: WasmThreading | null;
    };
  }
}

type ModelOrigin = { kind: 'url'; url: string } | { kind: 'files'; files: File[] } | { kind: 'pretrained'; ref: string; endpoint: string };

interface CurrentImage {
  name: string;
  bitmap: ImageBitmap;
  rgb: RGBImage;
}

const state = {
  backend: null as BackendName | null,
  origin: null as ModelOrigin | null,
  loaded: null as LoadedModel | null,
  image: null as CurrentImage | null,
  /** Set once the first inference of the current model on the current backend has been timed. */
  firstDone: false,
  attention: [] as AttentionSource[],
  /** Query cell of a neighbourhood-attention map, as fractions of the image height and width. */
  query: [0.5, 0.5] as [number, number],
};

const params = new URLSearchParams(location.search);
/** Runs behind the warm-inference median (?warm=0 skips it, for tests on slow software backends). */
const WARM_RUNS = Number(params.get('warm') ?? 5);

let queue: Promise<void> = Promise.resolve();
/** Runs `task` after the ones before it; its failure is shown in the page and leaves the status at 'error'. */
function enqueue(task: () => Promise<void>): void {
  queue = queue.then(task).catch((error: unknown) => {
    setStatus('error');
    showError(error instanceof Error ? error.message : String(error));
  });
}

// ---- model ----

async function loadModel(origin: ModelOrigin): Promise<void> {
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

// ---- image ----

async function classifyCurrent(): Promise<void> {
  const { loaded, image } = state;
  if (loaded === null || image === null) return;
  setStatus('classifying');
  const { classifier } = loaded;
  // The image goes through the current model's eval transform each time: another model may take another size.
  const input = await classifier.preprocessImage(image.rgb);
  try {
    const result = await timedClassify(classifier, input);
    showPredictions(image.name, result.top);
    showTime('time-last', result.ms);
    const wasFirst = !state.firstDone;
    if (wasFirst) {
      state.firstDone = true;
      showTime('time-first', result.ms, 'includes shader/kernel set-up');
    }
    await drawAttention(input);
    setStatus('ready');
    if (wasFirst && WARM_RUNS > 0) showTime('time-warm', await warmTime(classifier, input, WARM_RUNS));
  } finally {
    input.dispose();
  }
}

/** Draws the image and the chosen attention map; `prepared` is the image's model input when the caller has it. */
async function drawAttention(prepared?: tf.Tensor4D): Promise<void> {
  const { loaded, image } = state;
  if (loaded === null || image === null) return;
  const { model } = loaded.classifier;
  const canvas = element<HTMLCanvasElement>('view');
  drawImage(canvas, image.bitmap);
  const chosen = element<HTMLSelectElement>('attention-select').value;
  const source = state.attention.find((s) => s.layer === chosen);
  element('overlay-legend').hidden = source === undefined;
  if (source === undefined) {
    delete canvas.dataset['overlay'];
    return;
  }
  const input = prepared ?? (await loaded.classifier.preprocessImage(image.rgb));
  try {
    const grid = source.kind === 'sequence-pooling'
      ? await sequencePoolingMap(model, source.layer, input)
      : await neighborhoodMap(model, source.layer, input, [Math.floor(state.query[0] * source.rows), Math.floor(state.query[1] * source.cols)]);
    drawOverlay(canvas, grid);
    canvas.dataset['overlay'] = source.kind;
    if (grid.query !== undefined) canvas.dataset['query'] = grid.query.join(',');
    window.natzoo = { ...window.natzoo, attention: { kind: source.kind, layer: source.layer, rows: grid.rows, cols: grid.cols, query: grid.query ?? null, weights: Array.from(grid.weights) } };
    element('attention-note').textContent = source.kind === 'sequence-pooling'
      ? `how much each of the ${grid.rows}x${grid.cols} tokens weighs in the pooled feature (brightest = most)`
      : `attention of the outlined query over its neighbourhood (${grid.rows}x${grid.cols} tokens, mean over heads); click to move the query`;
  } finally {
    if (prepared === undefined) input.dispose();
  }
}

function takeImage(blob: Blob, name: string): void {
  clearErrors();
  clearPredictions();
  setStatus('classifying');
  enqueue(async () => {
    if (state.loaded === null) throw new Error(`no model is loaded, so '${name}' cannot be classified`);
    const { rgb, bitmap } = await decodeImage(blob, name);
    state.image?.bitmap.close();
    state.image = { name, bitmap, rgb };
    await classifyCurrent();
  });
}

// ---- backend ----

function showBackend(): void {
  element('backend').textContent = tf.getBackend();
  window.natzoo = { ...window.natzoo, wasm: showWasmThreading() };
}

async function switchBackend(name: BackendName): Promise<void> {
  await activateBackend(name);
  state.backend = name;
  showBackend();
  // Weights go to the new backend by reloading (from IndexedDB for URL models), which also times the load there.
  if (state.origin !== null) await loadModel(state.origin);
  await classifyCurrent();
}

// ---- wiring ----

function wire(): void {
  element<HTMLInputElement>('image-input').addEventListener('change', (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file !== undefined) takeImage(file, file.name);
  });
  const drop = element('drop');
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    const file = event.dataTransfer?.files[0];
    if (file !== undefined) takeImage(file, file.name);
    else showError('the dropped item is not a file');
  });
  window.addEventListener('paste', (event) => {
    const file = Array.from(event.clipboardData?.files ?? []).find((f) => f.type.startsWith('image/'));
    if (file !== undefined) takeImage(file, file.name || 'pasted image');
  });
  const sampleBox = element('samples');
  for (const sample of samples) {
    const button = document.createElement('button');
    button.type = 'button';
    button.title = sample.name;
    button.dataset['testid'] = 'sample';
    const img = document.createElement('img');
    img.src = sample.url;
    img.alt = sample.name;
    button.append(img);
    button.addEventListener('click', () => {
      clearErrors();
      setStatus('classifying');
      enqueue(async () => {
        const response = await fetch(sample.url);
        if (!response.ok) throw new Error(`cannot fetch sample ${sample.url}: HTTP ${response.status}`);
        takeImage(await response.blob(), sample.name);
      });
    });
    sampleBox.append(button);
  }
  element<HTMLSelectElement>('model-select').addEventListener('change', (event) => {
    clearErrors();
    enqueue(() => loadModel({ kind: 'url', url: (event.target as HTMLSelectElement).value }).then(classifyCurrent));
  });
  element<HTMLFormElement>('url-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const url = element<HTMLInputElement>('model-url').value.trim();
    clearErrors();
    if (url === '') return showError('model URL: enter the address of a model.json');
    enqueue(() => loadModel({ kind: 'url', url }).then(classifyCurrent));
  });
  element<HTMLInputElement>('model-files').addEventListener('change', (event) => {
    const files = Array.from((event.target as HTMLInputElement).files ?? []);
    clearErrors();
    if (files.length > 0) enqueue(() => loadModel({ kind: 'files', files }).then(classifyCurrent));
  });
  element<HTMLFormElement>('pretrained-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const ref = element<HTMLInputElement>('pretrained-ref').value.trim();
    clearErrors();
    if (ref === '') return showError('model name: enter a hub id (shi-labs/dinat-mini-in1k-224) or a tag (nat_mini.in1k)');
    const endpoint = element<HTMLInputElement>('hub-endpoint').value.trim();
    enqueue(() => loadModel({ kind: 'pretrained', ref, endpoint }).then(classifyCurrent));
  });
  element('clear-cache').addEventListener('click', () =>
    enqueue(async () => {
      const removed = await clearModelCache();
      await showCacheSize();
      showError(`removed ${removed} cached model${removed === 1 ? '' : 's'} from IndexedDB`, 'warning');
    }),
  );
  element<HTMLSelectElement>('backend-select').addEventListener('change', (event) => {
    const name = (event.target as HTMLSelectElement).value;
    clearErrors();
    if (isBackendName(name)) enqueue(() => switchBackend(name));
  });
  element<HTMLSelectElement>('attention-select').addEventListener('change', () => enqueue(() => drawAttention()));
  element<HTMLCanvasElement>('view').addEventListener('click', (event) => {
    const canvas = event.currentTarget as HTMLCanvasElement;
    const box = canvas.getBoundingClientRect();
    state.query = [(event.clientY - box.top) / box.height, (event.clientX - box.left) / box.width];
    if (state.attention.find((s) => s.layer === element<HTMLSelectElement>('attention-select').value)?.kind === 'neighborhood') enqueue(() => drawAttention());
  });
}

async function start(): Promise<void> {
  wire();
  if (!(Number.isSafeInteger(WARM_RUNS) && WARM_RUNS >= 0)) throw new Error(`?warm=${params.get('warm')}: expected a whole number of runs`);
  const asked = params.get('backend');
  if (asked !== null && !isBackendName(asked)) showError(`?backend=${asked}: expected webgpu, webgl, wasm or cpu`);
  const threadsNote = requestWasmThreads(params.get('threads'));
  if (threadsNote !== null) showError(threadsNote, 'warning', true);
  const { name, failures } = await activateBest(asked !== null && isBackendName(asked) ? asked : undefined);
  // A backend asked for by name that failed is an error; a better one missing in auto mode is only a note.
  for (const failure of failures) showError(failure, asked === null ? 'warning' : 'error', true);
  state.backend = name;
  showBackend();
  fillSelect('backend-select', (await offeredBackends()).map((b) => ({ value: b, text: b })), name);
  fillSelect('model-select', bundledModels.map((m) => ({ value: m.url, text: m.id })));
  setUpByName(params);
  window.natzoo = {
    ...window.natzoo,
    logits: async (data, shape) => {
      if (state.loaded === null) throw new Error('no model is loaded');
      const logits = tf.tidy(() => state.loaded!.classifier.predict(tf.tensor4d(data, shape)));
      const values = Array.from(await logits.data());
      logits.dispose();
      return values;
    },
  };
  const pretrained = params.get('pretrained');
  if (pretrained !== null) {
    element<HTMLInputElement>('pretrained-ref').value = pretrained;
    return loadModel({ kind: 'pretrained', ref: pretrained, endpoint: element<HTMLInputElement>('hub-endpoint').value.trim() });
  }
  const url = params.get('model') ?? bundledModels[0]?.url;
  if (url === undefined) throw new Error('no model: the build bundled none and there is no ?model= parameter');
  if (params.get('model') !== null) element<HTMLInputElement>('model-url').value = url;
  await loadModel({ kind: 'url', url });
}

enqueue(start);
