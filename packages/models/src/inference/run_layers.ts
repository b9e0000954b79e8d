// SPDX-License-Identifier: MIT
// Inference through a functional LayersModel without tfjs-layers' executor: its nodes in dependency order, each
// layer's call() run directly, every intermediate disposed after its last reader (as execute() does). predict
// and apply spend a sizeable share of a small model's forward pass around the kernels: input slicing per batch
// and an output concat (a copy each), a name scope, input checks and a feed dictionary per layer (about 10% of
// CCT-2's batch-1 pass on wasm). The kernels are the same, so are the outputs, bit for bit.
import { tidy } from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

type Layer = LayersModel['layers'][number];
type GraphNode = Layer['inboundNodes'][number];

interface Plan {
  /** Nodes in an order where every node's inputs are made before it. */
  nodes: GraphNode[];
  /** Symbolic tensor id -> how many nodes read it. */
  readers: Map<number, number>;
}

/** Layers that make masks, which this runner does not carry from layer to layer. */
const MASKING_LAYERS = new Set(['Masking', 'Embedding']);

const plans = new WeakMap<LayersModel, Plan | null>();

/** The run order of a single-input, single-output model's graph; null when this runner cannot run it. */
function planOf(model: LayersModel): Plan | null {
  if (plans.has(model)) return plans.get(model)!;
  let plan: Plan | null = null;
  if (model.inputs.length === 1 && model.outputs.length === 1 && !model.layers.some((l) => MASKING_LAYERS.has(l.getClassName()))) {
    const inputId = model.inputs[0]!.id;
    const nodes: GraphNode[] = [];
    const visited = new Set<GraphNode>();
    const visit = (tensor: LayersModel['outputs'][number]): void => {
      if (tensor.id === inputId) return;
      const node = tensor.sourceLayer.inboundNodes[tensor.nodeIndex]!;
      if (visited.has(node)) return;
      visited.add(node);
      for (const t of node.inputTensors) visit(t);
      nodes.push(node);
    };
    visit(model.outputs[0]!);
    const readers = new Map<number, number>();
    for (const node of nodes) for (const t of node.inputTensors) readers.set(t.id, (readers.get(t.id) ?? 0) + 1);
    plan = { nodes, readers };
  }
  plans.set(model, plan);
  return plan;
}

/** Whether runLayers can run `model` (one input, one output, no masking layers). */
export function canRunLayers(model: LayersModel): boolean {
  return planOf(model) !== null;
}

/** predict's default batch size: it runs larger inputs in slices of this many. */
const PREDICT_BATCH = 32;

/**
 * Whether `model.predict(x, { batchSize })` would make one pass that runLayers can make instead: an input of the
 * model's declared shape (batch axis aside), no larger than one predict batch.
 */
export function runsAsOnePass(model: LayersModel, x: Tensor, batchSize = PREDICT_BATCH): boolean {
  const declared = model.inputs[0]?.shape;
  if (declared === undefined || x.rank !== declared.length || x.shape[0]! > batchSize || !canRunLayers(model)) return false;
  return declared.every((d, i) => i === 0 || d == null || d === x.shape[i]);
}

/**
 * `model`'s output for `x` in inference mode (training false), the same as `model.apply(x, { training: false })`.
 * Shapes are not checked against the model's declared input: callers check the size first (checkInputSize).
 * @throws Error when the model is not one runLayers can run (see canRunLayers)
 */
export function runLayers(model: LayersModel, x: Tensor): Tensor {
  const plan = planOf(model);
  if (plan === null) throw new Error(`runLayers: model '${model.name}' needs one input, one output and no masking layers`);
  return tidy(() => {
    const inputId = model.inputs[0]!.id;
    const values = new Map<number, Tensor>([[inputId, x]]);
    const readersLeft = new Map(plan.readers);
    for (const node of plan.nodes) {
      const inputs = node.inputTensors.map((t) => values.get(t.id)!);
      let outputs = node.outboundLayer.call(inputs.length === 1 ? inputs[0]! : inputs, { ...node.callArgs, training: false });
      // As Layer.apply: an output that is one of the inputs is copied, so disposing that input cannot free it.
      outputs = (Array.isArray(outputs) ? outputs : [outputs]).map((t) => (inputs.includes(t) ? t.clone() : t));
      node.outputTensors.forEach((t, i) => values.set(t.id, (outputs as Tensor[])[i]!));
      for (const t of node.inputTensors) {
        const left = readersLeft.get(t.id)! - 1;
        readersLeft.set(t.id, left);
        if (left === 0 && t.id !== inputId) values.get(t.id)!.dispose();
      }
    }
    return values.get(model.outputs[0]!.id)!;
  });
}
