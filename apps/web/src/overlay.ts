// SPDX-License-Identifier: MIT
// Draws the input image and, over it, an attention grid as a translucent heatmap (scaled to its maximum).
import type { AttentionGrid } from './attention_map.js';

/** A few stops of a perceptual dark-to-bright map (dark blue, magenta, orange, pale yellow). */
const STOPS: [number, number, number][] = [
  [12, 7, 100],
  [126, 3, 168],
  [204, 71, 120],
  [248, 149, 64],
  [240, 249, 33],
];

function colour(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [STOPS[i]!, STOPS[i + 1]!];
  return [0, 1, 2].map((c) => Math.round(a[c]! + f * (b[c]! - a[c]!))) as [number, number, number];
}

export function drawImage(canvas: HTMLCanvasElement, bitmap: ImageBitmap): void {
  const context = canvas.getContext('2d')!;
  context.clearRect(0, 0, canvas.width, canvas.height);
  // Small images (CIFAR's 32x32) stay crisp; large ones are smoothed.
  context.imageSmoothingEnabled = bitmap.width >= canvas.width / 2;
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
}

export function drawOverlay(canvas: HTMLCanvasElement, grid: AttentionGrid, opacity = 0.5): void {
  const max = grid.weights.reduce((m, w) => Math.max(m, w), 0) || 1;
  const cells = new ImageData(grid.cols, grid.rows);
  grid.weights.forEach((w, i) => {
    const [r, g, b] = colour(w / max);
    cells.data.set([r, g, b, 255], i * 4);
  });
  const small = new OffscreenCanvas(grid.cols, grid.rows);
  small.getContext('2d')!.putImageData(cells, 0, 0);
  const context = canvas.getContext('2d')!;
  context.save();
  context.globalAlpha = opacity;
  context.imageSmoothingEnabled = true;
  context.drawImage(small, 0, 0, canvas.width, canvas.height);
  context.restore();
  if (grid.query !== undefined) {
    const [qy, qx] = grid.query;
    const [cw, ch] = [canvas.width / grid.cols, canvas.height / grid.rows];
    context.strokeStyle = '#00ffd0';
    context.lineWidth = 2;
    context.strokeRect(qx * cw + 1, qy * ch + 1, cw - 2, ch - 2);
  }
}
