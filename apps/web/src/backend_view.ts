// SPDX-License-Identifier: MIT
// The backend shown in the page, and switching to another one (the model reloads there and the image is classified again).
import * as tf from '@tensorflow/tfjs';
import { activateBackend } from './backends.js';
import type { BackendName } from './backends.js';
import { classifyCurrent } from './classify_image.js';
import { loadModel } from './current_model.js';
import { state } from './page_state.js';
import { showWasmThreading } from './wasm_threads.js';
import { element } from './view.js';

export function showBackend(): void {
  element('backend').textContent = tf.getBackend();
  window.natzoo = { ...window.natzoo, wasm: showWasmThreading() };
}

export async function switchBackend(name: BackendName): Promise<void> {
  await activateBackend(name);
  state.backend = name;
  showBackend();
  // Weights go to the new backend by reloading (from IndexedDB for URL models), which also times the load there.
  if (state.origin !== null) await loadModel(state.origin);
  await classifyCurrent();
}
