// SPDX-License-Identifier: MIT
// Classifying the current image with the current model: the predictions, the first/last/warm timings, and the
// attention overlay (attention_view.ts).
import { decodeImage } from './decode_image.js';
import { drawAttention } from './attention_view.js';
import { state, enqueue, WARM_RUNS } from './page_state.js';
import { timedClassify, warmTime } from './timing.js';
import { clearErrors, clearPredictions, setStatus, showPredictions, showTime } from './view.js';

export async function classifyCurrent(): Promise<void> {
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

export function takeImage(blob: Blob, name: string): void {
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
