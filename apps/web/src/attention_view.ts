// SPDX-License-Identifier: MIT
// The image with the chosen attention map drawn over it (sequence pooling, or a neighbourhood-attention query).
import type * as tf from '@tensorflow/tfjs';
import { neighborhoodMap, sequencePoolingMap } from './attention_map.js';
import { drawImage, drawOverlay } from './overlay.js';
import { state } from './page_state.js';
import { element } from './view.js';

/** Draws the image and the chosen attention map; `prepared` is the image's model input when the caller has it. */
export async function drawAttention(prepared?: tf.Tensor4D): Promise<void> {
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
