// SPDX-License-Identifier: MIT
// The page's start: a backend, then a model (bundled, ?model=, or ?pretrained=); images are classified from the
// file input, drag and drop, paste or the samples (wiring.ts), each step through one queue (page_state.ts).
// URL parameters: ?backend=webgpu|webgl|wasm|cpu, ?model=<url of a model.json>, ?warm=<runs> (default 5),
// ?pretrained=<hub id or tag> (loaded at start), ?hub=<hub address> (default https://huggingface.co),
// ?cache=float32|float16|uint8 (how models by name are kept in IndexedDB), ?threads=<n> (wasm threads, on a
// cross-origin-isolated page).
import * as tf from '@tensorflow/tfjs';
import { models as bundledModels } from 'virtual:natzoo-assets';
import type { ByteProgress } from '@natzoo/train/convert';
import { activateBest, isBackendName, offeredBackends } from './backends.js';
import { showBackend } from './backend_view.js';
import { setUpByName } from './by_name_view.js';
import { loadModel } from './current_model.js';
import { enqueue, params, state, WARM_RUNS } from './page_state.js';
import { requestWasmThreads, type WasmThreading } from './wasm_threads.js';
import { element, fillSelect, showError } from './view.js';
import { wire } from './wiring.js';

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
