// SPDX-License-Identifier: MIT
// Running a model at an input size other than the one it was built for. A built model declares one size, but
// most of its layers (convs, NA, norms, per-token linears, pooling) take any size: the NA geometry is computed on
// every call. What a size is accepted by is found by walking the graph's shapes with each layer's own
// computeOutputShape, plus the rules tfjs cannot see: an NA window must fit its map (NATTEN >= 0.17; padInput
// pads instead, as NATTEN <= 0.15 and transformers do), and layers whose weights are sized by the map
// (learned positional tables, a map-sized rpb) take only the size they were built at.
import { ArgumentError } from '@natzoo/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { tidy } from '@tensorflow/tfjs-core';
import type { LayersModel, Shape } from '@tensorflow/tfjs-layers';
import { canRunLayers, runLayers, runsAsOnePass } from './inference/run_layers.js';

/** An input size `[height, width]` the model does not accept, with what it does accept. */
export class InputSizeError extends ArgumentError {
  override name = 'InputSizeError';
  constructor(
    readonly inputSize: readonly [number, number],
    /** The only size accepted, for models whose weights are sized by the map; else null. */
    readonly fixedSize: readonly [number, number] | null,
    /** The smallest square side accepted, for models that take any size from there up; else null. */
    readonly minSide: number | null,
    problem: string,
  ) {
    super('inputSize', [...inputSize], problem);
  }
}

const NA_LAYERS = new Set(['NeighborhoodAttention1D', 'NeighborhoodAttention2D', 'NeighborhoodAttention3D']);
/** Layers whose weights are sized by the token count or map they were built at. */
const MAP_SIZED_LAYERS = new Set(['PositionalEmbedding', 'GridSelfAttentionRPB']);

interface GraphNode {
  inputTensors: { id: number }[];
  outputTensors: { id: number }[];
  inputShapes: Shape | Shape[];
}

type AnyShape = Shape | Shape[];
const single = (shape: AnyShape): Shape => (Array.isArray(shape[0]) ? (shape[0] as Shape) : (shape as Shape));
const show = (shape: AnyShape) => `[${single(shape).map((d) => d ?? '?').join(', ')}]`;

/** Why `layer` cannot take `shape` (null: it can), beyond what its computeOutputShape checks. */
function layerProblem(layer: LayersModel['layers'][number], shape: AnyShape, built: AnyShape): string | null {
  const className = layer.getClassName();
  const s = single(shape);
  if (NA_LAYERS.has(className)) {
    const config = layer.getConfig() as { kernelSize: number[]; dilation: number[]; padInput?: boolean };
    if (config.padInput === true) return null;
    const spatial = s.slice(1, -1);
    const axis = spatial.findIndex((size, i) => size != null && config.kernelSize[i]! * config.dilation[i]! > size);
    if (axis < 0) return null;
    const [k, d] = [config.kernelSize[axis]!, config.dilation[axis]!];
    return `its ${spatial.join('x')} map is smaller than kernelSize*dilation = ${k}*${d} = ${k * d} on axis ${axis}`;
  }
  if (MAP_SIZED_LAYERS.has(className)) {
    const b = single(built);
    if (s.some((d, i) => i > 0 && d !== b[i])) return `its weights are sized for ${show(b)} inputs; got ${show(s)}`;
  }
  return null;
}

/** The first layer problem at `[1, height, width, C]` (null: the size is accepted), from the graph's shapes alone. */
function walk(model: LayersModel, height: number, width: number): string | null {
  const input = model.inputs[0]!;
  const shapes = new Map<number, Shape>([[input.id, [1, height, width, input.shape[3] ?? null]]]);
  for (const layer of model.layers) {
    for (const node of layer.inboundNodes as unknown as GraphNode[]) {
      const ins = node.inputTensors.map((t) => shapes.get(t.id));
      if (ins.length === 0 || ins.some((s) => s === undefined)) continue;
      const shape: AnyShape = ins.length === 1 ? ins[0]! : (ins as Shape[]);
      const problem = layerProblem(layer, shape, node.inputShapes);
      if (problem !== null) return `layer ${layer.name}: ${problem}`;
      let out: AnyShape;
      try {
        out = layer.computeOutputShape(shape);
      } catch (error) {
        return `layer ${layer.name}: ${(error as Error).message}`;
      }
      const outs = node.outputTensors.length === 1 ? [out as Shape] : (out as Shape[]);
      for (const [i, t] of node.outputTensors.entries()) {
        const o = outs[i]!;
        if (o.some((d) => d != null && d <= 0)) return `layer ${layer.name} would output ${show(o)}`;
        shapes.set(t.id, o);
      }
    }
  }
  return null;
}

/** The `[height, width]` the model was built for (null per axis when it takes any). */
export function declaredInputSize(model: LayersModel): [number | null, number | null] {
  const [, h, w] = model.inputs[0]!.shape;
  return [h ?? null, w ?? null];
}

/** What the model accepts: one fixed size, or any size from a smallest square side up. */
function acceptedSizes(model: LayersModel): { fixedSize: [number, number] | null; minSide: number | null } {
  const [h, w] = declaredInputSize(model);
  if (h === null || w === null) return { fixedSize: null, minSide: null };
  const top = Math.max(h, w);
  if (walk(model, 2 * top + 1, 2 * top + 3) !== null) return { fixedSize: [h, w], minSide: null };
  // Smallest accepted square side, by bisection (every family here only gets more permissive as the input grows).
  let [low, high] = [0, top];
  while (high - low > 1) {
    const mid = (low + high) >> 1;
    if (walk(model, mid, mid) === null) high = mid;
    else low = mid;
  }
  return { fixedSize: null, minSide: high };
}

const accepted = new WeakMap<LayersModel, Set<string>>();

/**
 * Throws an InputSizeError unless `model` runs at `[height, width]`; the message names the layer that refuses
 * it and what the model accepts. Results are remembered per model and size.
 */
export function checkInputSize(model: LayersModel, height: number, width: number, name = model.name): void {
  const key = `${height}x${width}`;
  if (accepted.get(model)?.has(key) === true) return;
  if (!(Number.isSafeInteger(height) && height > 0 && Number.isSafeInteger(width) && width > 0)) {
    throw new InputSizeError([height, width], null, null, 'expected positive integers [height, width]');
  }
  const problem = walk(model, height, width);
  if (problem !== null) {
    const { fixedSize, minSide } = acceptedSizes(model);
    const takes =
      fixedSize !== null
        ? `${name} takes only ${fixedSize[0]}x${fixedSize[1]} inputs`
        : minSide !== null
          ? `${name} takes inputs from ${minSide}x${minSide} up`
          : `${name} does not take it`;
    throw new InputSizeError([height, width], fixedSize, minSide, `${takes} (${problem})`);
  }
  accepted.set(model, (accepted.get(model) ?? new Set()).add(key));
}

/**
 * `model`'s outputs for `batch` (`[N, H, W, C]`) at any size the model accepts (checkInputSize): one pass through
 * its layers (runLayers) where predict would make one, else tfjs' predict at the declared size, else the graph
 * applied directly (predict refuses any other size).
 */
export function predictAtAnySize(model: LayersModel, batch: Tensor): Tensor | Tensor[] {
  const [, height, width] = batch.shape as [number, number, number, number];
  const [h, w] = declaredInputSize(model);
  if ((h === null || h === height) && (w === null || w === width)) return runsAsOnePass(model, batch) ? runLayers(model, batch) : model.predict(batch);
  checkInputSize(model, height, width);
  return canRunLayers(model) ? runLayers(model, batch) : tidy(() => model.apply(batch, { training: false }) as Tensor | Tensor[]);
}
