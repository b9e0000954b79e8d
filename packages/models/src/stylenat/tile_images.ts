// SPDX-License-Identifier: MIT
// A grid of generated images, for sample sheets written by `natzoo generate` and GAN training.

/** Packs NHWC uint8 images into a `rows x cols` grid with `padding` black pixels between cells. */
export function tileImages(images: Uint8Array, n: number, size: number, cols: number, padding: number): { data: Uint8Array; width: number; height: number } {
  const rows = Math.ceil(n / cols);
  const width = cols * size + (cols - 1) * padding;
  const height = rows * size + (rows - 1) * padding;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < n; i++) {
    const x0 = (i % cols) * (size + padding);
    const y0 = Math.floor(i / cols) * (size + padding);
    for (let y = 0; y < size; y++) {
      const from = (i * size * size + y * size) * 3;
      data.set(images.subarray(from, from + size * 3), ((y0 + y) * width + x0) * 3);
    }
  }
  return { data, width, height };
}

