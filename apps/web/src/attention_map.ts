// SPDX-License-Identifier: MIT
// What the model looked at, as a grid of weights over the image:
// - CCT/CVT: the sequence-pooling weights softmax_N(x W + b) over the tokens (the input of the SequencePooling
//   layer, read through a sub-model that shares the loaded weights);
// - NAT/DiNAT: the attention of one query of a NeighborhoodAttention2D layer over its neighbourhood, averaged
//   over heads, from the layer's own attentionWeights.
import * as tf from '@tensorflow/tfjs';
import { buildAxisGeometry, NeighborhoodAttention2D } from '@natzoo/core';

export interface AttentionGrid {
  /** Row-major `[rows * cols]`, summing to 1 (sequence pooling) or to 1 over the neighbourhood (NA). */
  weights: Float32Array;
  rows: number;
  cols: number;
  /** The query cell for an NA map. */
  query?: [number, number];
}

export type AttentionSource =
  | { kind: 'sequence-pooling'; layer: string }
  | { kind: 'neighborhood'; layer: string; rows: number; cols: number };

/** Shape of a layer's (first) input or output. */
function shapeOf(x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.Shape {
  return (Array.isArray(x) ? x[0]! : x).shape;
}

const subModels = new WeakMap<tf.LayersModel, Map<string, tf.LayersModel>>();

/** A model from the same input to `layer`'s input (memoised; it shares the weights, so never dispose it). */
function inputOf(model: tf.LayersModel, layer: tf.layers.Layer): tf.LayersModel {
  let byLayer = subModels.get(model);
  if (byLayer === undefined) subModels.set(model, (byLayer = new Map()));
  let sub = byLayer.get(layer.name);
  if (sub === undefined) {
    sub = tf.model({ inputs: model.inputs, outputs: layer.input as tf.SymbolicTensor });
    byLayer.set(layer.name, sub);
  }
  return sub;
}

/** The attention sources a model offers, in model order. */
export function findAttentionSources(model: tf.LayersModel): AttentionSource[] {
  const sources: AttentionSource[] = [];
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (kind === 'SequencePooling') sources.push({ kind: 'sequence-pooling', layer: layer.name });
    if (kind === 'NeighborhoodAttention2D') {
      const [, rows, cols] = shapeOf(layer.input) as [null, number, number, number];
      sources.push({ kind: 'neighborhood', layer: layer.name, rows, cols });
    }
  }
  return sources;
}

/** `[rows, cols]` of a token sequence of length `tokens`: the shape a Reshape layer flattened, else a square. */
function tokenGrid(model: tf.LayersModel, tokens: number): [number, number] {
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'Reshape') continue;
    const from = shapeOf(layer.input);
    const to = shapeOf(layer.output);
    if (from.length === 4 && to.length === 3 && to[1] === tokens && from[1]! * from[2]! === tokens) return [from[1]!, from[2]!];
  }
  const side = Math.round(Math.sqrt(tokens));
  if (side * side !== tokens) throw new Error(`attention map: cannot lay ${tokens} tokens out as an image grid`);
  return [side, side];
}

/** `layer`'s weight named `<layer>/<suffix>` (originalName: `name` gains a `_1` when a model is loaded twice). */
function weightNamed(layer: tf.layers.Layer, suffix: string): tf.Tensor | null {
  const at = layer.weights.findIndex((w) => w.originalName.endsWith(`/${suffix}`));
  return at < 0 ? null : layer.getWeights()[at]!;
}

export async function sequencePoolingMap(model: tf.LayersModel, layerName: string, input: tf.Tensor4D): Promise<AttentionGrid> {
  const layer = model.getLayer(layerName);
  const kernel = weightNamed(layer, 'kernel');
  const bias = weightNamed(layer, 'bias');
  if (kernel === null || bias === null) throw new Error(`attention map: layer '${layerName}' has no kernel/bias weights`);
  const weights = tf.tidy(() => {
    const tokens = inputOf(model, layer).predict(input) as tf.Tensor3D;
    const [, n, c] = tokens.shape;
    return tf.softmax(tf.add(tf.matMul(tokens.reshape([n, c]), kernel), bias).reshape([n]));
  });
  const data = (await weights.data()) as Float32Array;
  weights.dispose();
  const [rows, cols] = tokenGrid(model, data.length);
  return { weights: data, rows, cols };
}

/** Per-head attention of one query of an NA layer, laid out over the layer's token grid. */
export interface QueryAttention {
  /** `[heads][rows * cols]`: each head's softmax weights, 0 outside the query's neighbourhood. */
  perHead: Float32Array[];
  rows: number;
  cols: number;
  query: [number, number];
}

/** Attention of the query at cell `[row, col]` (clamped to the grid) of NeighborhoodAttention2D `layerName`. */
export async function neighborhoodAttentionAt(model: tf.LayersModel, layerName: string, input: tf.Tensor4D, query: [number, number]): Promise<QueryAttention> {
  const layer = model.getLayer(layerName);
  if (!(layer instanceof NeighborhoodAttention2D)) throw new Error(`attention map: layer '${layerName}' is a ${layer.getClassName()}, not a NeighborhoodAttention2D`);
  const config = layer.getConfig() as { numHeads: number; kernelSize: [number, number]; dilation: [number, number]; isCausal: [boolean, boolean] };
  const x = inputOf(model, layer).predict(input) as tf.Tensor4D;
  const [, rows, cols] = x.shape;
  const [qy, qx] = [Math.min(rows - 1, Math.max(0, query[0])), Math.min(cols - 1, Math.max(0, query[1]))];
  const heads = config.numHeads;
  const attn = tf.tidy(() => tf.slice(layer.attentionWeights(x), [0, qy, qx, 0, 0], [1, 1, 1, heads, -1]).reshape([heads, -1]));
  x.dispose();
  const slots = (await attn.data()) as Float32Array;
  const perSlot = attn.shape[1]!;
  attn.dispose();
  const [kh, kw] = config.kernelSize;
  const gy = buildAxisGeometry(rows, kh, config.dilation[0], config.isCausal[0]);
  const gx = buildAxisGeometry(cols, kw, config.dilation[1], config.isCausal[1]);
  const perHead = Array.from({ length: heads }, (_, h) => {
    const grid = new Float32Array(rows * cols);
    for (let i = 0; i < gy.count[qy]!; i++) {
      for (let j = 0; j < gx.count[qx]!; j++) {
        const w = slots[h * perSlot + i * kw + j]!;
        grid[(gy.start[qy]! + i * gy.dilation) * cols + gx.start[qx]! + j * gx.dilation] = Number.isFinite(w) ? w : 0;
      }
    }
    return grid;
  });
  return { perHead, rows, cols, query: [qy, qx] };
}

/** The neighbourhood-attention map of one query: the mean over heads. */
export async function neighborhoodMap(model: tf.LayersModel, layerName: string, input: tf.Tensor4D, query: [number, number]): Promise<AttentionGrid> {
  const { perHead, rows, cols, query: cell } = await neighborhoodAttentionAt(model, layerName, input, query);
  const weights = new Float32Array(rows * cols);
  for (const grid of perHead) grid.forEach((w, i) => (weights[i]! += w / perHead.length));
  return { weights, rows, cols, query: cell };
}
