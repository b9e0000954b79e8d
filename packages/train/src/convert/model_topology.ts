// SPDX-License-Identifier: MIT
// Checks a tfjs LayersModel's model.json before tfjs sees it: a functional graph whose inbound nodes name layers
// (or node indices) that do not exist, or that loops back on itself, makes tfjs's deserializer loop forever.
// Also checks the weights manifest's shapes and dtypes, so its byte total can be compared with the shard files.
import type * as tf from '@tensorflow/tfjs';

/** A model directory (or a file in it) that cannot be loaded; names the directory, the file and the problem. */
export class ModelDirError extends Error {
  override readonly name = 'ModelDirError';
  constructor(
    readonly dir: string,
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${dir}: ${file}: ${problem}`);
  }
}

type Fail = (problem: string) => never;
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const NESTED_MODELS = new Set(['Model', 'Functional', 'Sequential']);
/** Models nested in models; tfjs's own savers nest one level at most. */
const MAX_NESTING = 16;

/** [layer, nodeIndex] of every tensor a node consumes, from tfjs's `[[name, node, tensor, kwargs], ...]` form. */
function inboundRefs(node: unknown, where: string, fail: Fail): [string, number][] {
  if (!Array.isArray(node)) return fail(`${where}: an inbound node is not a list`);
  return node.map((ref) => {
    if (!Array.isArray(ref) || typeof ref[0] !== 'string' || !Number.isSafeInteger(ref[1]) || (ref[1] as number) < 0) {
      return fail(`${where}: inbound reference ${JSON.stringify(ref)?.slice(0, 80)} is not [layer, node index, tensor index]`);
    }
    return [ref[0], ref[1] as number];
  });
}

function checkGraph(config: unknown, where: string, depth: number, fail: Fail): void {
  if (depth > MAX_NESTING) fail(`${where}: models nested more than ${MAX_NESTING} deep`);
  const layers = isObject(config) ? config['layers'] : config;
  if (!Array.isArray(layers)) return fail(`${where}: config.layers is not a list`);
  const nodeCount = new Map<string, number>();
  for (const layer of layers) {
    if (!isObject(layer) || typeof layer['class_name'] !== 'string') fail(`${where}: a layer without class_name`);
    const name = (layer['name'] ?? (isObject(layer['config']) ? layer['config']['name'] : undefined)) as unknown;
    if (typeof name !== 'string') return fail(`${where}: a ${layer['class_name'] as string} layer without a name`);
    if (nodeCount.has(name)) fail(`${where}: two layers are named '${name}'`);
    const inbound = layer['inbound_nodes'];
    if (inbound !== undefined && !Array.isArray(inbound)) fail(`${where}: layer '${name}' has inbound_nodes that are not a list`);
    nodeCount.set(name, Math.max(1, (inbound as unknown[] | undefined)?.length ?? 0));
    if (NESTED_MODELS.has(layer['class_name'] as string)) checkGraph(layer['config'], `${where} > ${name}`, depth + 1, fail);
  }
  const nodeExists = ([layer, index]: [string, number], user: string): string => {
    const count = nodeCount.get(layer);
    if (count === undefined) fail(`${where}: ${user} refers to layer '${layer}', which does not exist`);
    if (index >= count!) fail(`${where}: ${user} refers to node ${index} of layer '${layer}', which has ${count}`);
    return `${layer}#${index}`;
  };
  // Node-level edges (a shared layer may appear twice in a valid graph, but no node may depend on itself).
  const edges = new Map<string, string[]>();
  for (const layer of layers as Json[]) {
    const name = (layer['name'] ?? (layer['config'] as Json)['name']) as string;
    ((layer['inbound_nodes'] as unknown[] | undefined) ?? []).forEach((node, i) => {
      edges.set(`${name}#${i}`, inboundRefs(node, `${where}: layer '${name}'`, fail).map((ref) => nodeExists(ref, `layer '${name}'`)));
    });
  }
  if (isObject(config)) {
    for (const key of ['input_layers', 'output_layers']) {
      const refs = config[key];
      if (refs === undefined) continue;
      if (!Array.isArray(refs)) fail(`${where}: ${key} is not a list`);
      for (const ref of inboundRefs(refs, `${where}: ${key}`, fail)) nodeExists(ref, key);
    }
  }
  findCycle(edges, where, fail);
}

/** Iterative depth-first search (no recursion: a hostile graph may be very deep). */
function findCycle(edges: Map<string, string[]>, where: string, fail: Fail): void {
  const state = new Map<string, 'open' | 'done'>();
  for (const start of edges.keys()) {
    if (state.has(start)) continue;
    const stack: [string, number][] = [[start, 0]];
    state.set(start, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const next = edges.get(top[0])?.[top[1]++];
      if (next === undefined) {
        state.set(top[0], 'done');
        stack.pop();
      } else if (state.get(next) === 'open') {
        fail(`${where}: the layer graph has a cycle through '${next.replace(/#\d+$/, '')}'`);
      } else if (!state.has(next)) {
        state.set(next, 'open');
        stack.push([next, 0]);
      }
    }
  }
}

/** Throws (through `fail`) unless `topology` is a LayersModel topology whose graph tfjs can build. */
export function checkTopology(topology: unknown, fail: Fail): void {
  const model = isObject(topology) && isObject(topology['model_config']) ? topology['model_config'] : topology;
  if (!isObject(model) || typeof model['class_name'] !== 'string') return fail('modelTopology has no class_name');
  if (!NESTED_MODELS.has(model['class_name'])) fail(`modelTopology is a '${model['class_name']}', not a Model or Sequential`);
  checkGraph(model['config'], 'modelTopology', 0, fail);
}

const WEIGHT_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

/** Bytes the manifest's weights take in the shards, checking every shape and dtype on the way. */
export function manifestBytes(weights: readonly tf.io.WeightsManifestEntry[], fail: Fail): number {
  let total = 0;
  for (const w of weights as unknown[]) {
    if (!isObject(w) || typeof w['name'] !== 'string') return fail('weightsManifest has a weight without a name');
    const { name, shape, dtype, quantization } = w as { name: string; shape: unknown; dtype: unknown; quantization?: { dtype?: unknown } };
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) fail(`weight '${name}' has a bad shape`);
    const size = quantization === undefined ? WEIGHT_BYTES[dtype as string] : QUANTIZED_BYTES[quantization.dtype as string];
    if (size === undefined) fail(`weight '${name}' has unsupported dtype ${JSON.stringify(quantization?.dtype ?? dtype)}`);
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    total += numel * size!;
    if (!Number.isSafeInteger(total)) fail(`weight '${name}' is too large`);
  }
  return total;
}
