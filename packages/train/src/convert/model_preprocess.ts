// SPDX-License-Identifier: MIT
// preprocess.json: what a converted classifier expects as input and what its outputs mean.

/** How images must be prepared for a converted model, and what its outputs mean (timm's eval transform). */
export interface ModelPreprocess {
  model: string;
  /** `[channels, height, width]`. */
  inputSize: [number, number, number];
  mean: [number, number, number];
  std: [number, number, number];
  cropPct: number;
  interpolation: string;
  labels: string[];
  /** The converted checkpoint: file name, sha256 of its bytes, and the URL when it was downloaded. */
  source?: { checkpoint: string; sha256: string; url?: string };
}
