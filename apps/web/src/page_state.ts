// SPDX-License-Identifier: MIT
// The page's state (backend, model, image, attention choice), its URL parameters, and the one queue every step
// runs through: a new image waits for the previous one, and every failure lands in the page's error list.
import type { RGBImage } from '@natzoo/models';
import type { BackendName } from './backends.js';
import type { AttentionSource } from './attention_map.js';
import type { LoadedModel } from './model_loader.js';
import { setStatus, showError } from './view.js';

export type ModelOrigin = { kind: 'url'; url: string } | { kind: 'files'; files: File[] } | { kind: 'pretrained'; ref: string; endpoint: string };

export interface CurrentImage {
  name: string;
  bitmap: ImageBitmap;
  rgb: RGBImage;
}

export const state = {
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

export const params = new URLSearchParams(location.search);
/** Runs behind the warm-inference median (?warm=0 skips it, for tests on slow software backends). */
export const WARM_RUNS = Number(params.get('warm') ?? 5);

let queue: Promise<void> = Promise.resolve();
/** Runs `task` after the ones before it; its failure is shown in the page and leaves the status at 'error'. */
export function enqueue(task: () => Promise<void>): void {
  queue = queue.then(task).catch((error: unknown) => {
    setStatus('error');
    showError(error instanceof Error ? error.message : String(error));
  });
}
