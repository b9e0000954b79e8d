// SPDX-License-Identifier: MIT
// Activation recomputation ("gradient checkpointing") for a functional LayersModel, so a training step keeps
// one tensor per block instead of every intermediate. tfjs's backprop keeps every saved input, every upstream
// gradient and every temporary of every gradient function until the whole backward pass ends: one nat_mini
// step at 224 peaks at 1.6 GB per image on wasm, past wasm's 2 GB heap at batch 4.
//
// The graph is cut where exactly one tensor is live (between residual blocks). Each segment runs in its
// forward pass under tf.customGrad without a tape and saves only its input; its gradient function runs the
// segment again on a tape of its own, whose temporaries die with it. The random draws of the first run
// (dropout, drop path) are replayed, so the recomputation sees the same masks and the gradients are the
// plain tape's. Design after torch.utils.checkpoint (pytorch/pytorch, torch/utils/checkpoint.py).
import { activeRandomSource, withRandomSource, type RandomSource } from '@natzoo/core';
import { gradientsInBackwardPass } from '@natzoo/core/internals';
import * as tf from '@tensorflow/tfjs';

/** One call of a layer in the model's graph, by symbolic tensor ids. */
interface GraphStep {
  readonly layer: tf.layers.Layer;
  readonly inputs: readonly number[];
  readonly output: number;
}

/** Consecutive steps with one tensor entering and one leaving. */
interface Segment {
  readonly steps: readonly GraphStep[];
  readonly input: number;
  readonly output: number;
  /** Run on the outer tape: a stateful layer (BatchNorm's running statistics) must not run twice. */
  readonly direct: boolean;
  /** Made of pieces one layer long, so more such pieces may join it. */
  readonly singles: boolean;
}

export interface RecomputePlan {
  readonly segments: readonly Segment[];
  readonly modelInput: number;
}

type SymbolicTensor = tf.SymbolicTensor & { inputs: tf.SymbolicTensor[] };

/**
 * Layers whose training-mode call changes state (tfjs-layers' BatchNormalization, and ConvMLP's FoldableBatchNorm,
 * its subclass); running them twice would apply the change twice.
 */
const STATEFUL_IN_TRAINING = new Set(['BatchNormalization', 'FoldableBatchNorm']);

/** Plans the segments, or returns a reason why this model cannot be recomputed segment-wise. */
export function planRecompute(model: tf.LayersModel): RecomputePlan | { unsupported: string } {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    return { unsupported: `${model.inputs.length} inputs and ${model.outputs.length} outputs (one of each is supported)` };
  }
  const steps: GraphStep[] = [];
  const visited = new Set<number>();
  const order = (t: SymbolicTensor): string | undefined => {
    if (visited.has(t.id)) return undefined;
    visited.add(t.id);
    if (t.sourceLayer.getClassName() === 'InputLayer') return undefined;
    const node = t.sourceLayer.inboundNodes[t.nodeIndex];
    if (node === undefined || node.outputTensors.length !== 1) return `layer ${t.sourceLayer.name} has several outputs`;
    for (const input of t.inputs as SymbolicTensor[]) {
      const why = order(input);
      if (why !== undefined) return why;
    }
    steps.push({ layer: t.sourceLayer, inputs: t.inputs.map((i) => i.id), output: t.id });
    return undefined;
  };
  const why = order(model.outputs[0] as SymbolicTensor);
  if (why !== undefined) return { unsupported: why };

  // A tensor is live after step i if a later step reads it; a cut after step i needs exactly one live tensor.
  const lastUse = new Map<number, number>();
  steps.forEach((s, i) => s.inputs.forEach((id) => lastUse.set(id, i)));
  const modelInput = model.inputs[0]!.id;
  const cuts: { steps: GraphStep[]; input: number; output: number }[] = [];
  let start = 0;
  let segmentInput = modelInput;
  const live = new Set<number>([modelInput]);
  steps.forEach((step, i) => {
    live.add(step.output);
    for (const id of [...live]) if ((lastUse.get(id) ?? -1) <= i && id !== step.output) live.delete(id);
    if (live.size !== 1 || !live.has(step.output)) return;
    cuts.push({ steps: steps.slice(start, i + 1), input: segmentInput, output: step.output });
    start = i + 1;
    segmentInput = step.output;
  });
  // Runs of single-layer pieces (a stem's pad-conv-pad-conv-norm, a downsampler, the head) become one segment:
  // a boundary per layer would keep as much as the tape does.
  const segments: Segment[] = [];
  for (const cut of cuts) {
    const last = segments.at(-1);
    const stateful = cut.steps.some((m) => STATEFUL_IN_TRAINING.has(m.layer.getClassName()));
    if (last !== undefined && !last.direct && cut.steps.length === 1 && !stateful && last.singles) {
      segments[segments.length - 1] = { ...last, steps: [...last.steps, ...cut.steps], output: cut.output };
    } else {
      segments.push({ ...cut, direct: stateful, singles: cut.steps.length === 1 });
    }
  }
  return { segments, modelInput };
}

/** The steps in training mode, from the segment's input `x`. */
function runSteps(steps: readonly GraphStep[], input: number, x: tf.Tensor): tf.Tensor {
  const values = new Map<number, tf.Tensor>([[input, x]]);
  let out = x;
  for (const step of steps) {
    const args = step.inputs.map((id) => values.get(id)!);
    out = step.layer.apply(args.length === 1 ? args[0]! : args, { training: true }) as tf.Tensor;
    values.set(step.output, out);
  }
  return out;
}

/** Runs `fn` recording the draws it makes from the active random source, or replaying `replay` (which must be
 *  used up). */
function withDraws<T>(fn: () => T, replay?: readonly number[]): { result: T; draws: number[] } {
  const outer = activeRandomSource();
  const draws: number[] = [];
  let next = 0;
  // The samples stay named, so per-sample noise (@natzoo/core's batch noise) is replayed as well.
  const samples = outer.samples === undefined ? {} : { samples: outer.samples };
  const source: RandomSource = replay === undefined
    ? {
        ...samples,
        float: () => {
          const v = outer.float();
          draws.push(v);
          return v;
        },
      }
    : {
        ...samples,
        float: () => {
          if (next >= replay.length) throw new Error('recompute: the recomputed segment drew more random numbers than its first run');
          return replay[next++]!;
        },
      };
  const result = withRandomSource(source, fn);
  if (replay !== undefined && next !== replay.length) {
    throw new Error(`recompute: the recomputed segment drew ${next} random numbers, its first run ${replay.length}`);
  }
  return { result, draws };
}

function recomputedSegment(segment: Segment, x: tf.Tensor, inputNeedsGrad: boolean): tf.Tensor {
  const variables = segment.steps.flatMap((s) => s.layer.trainableWeights.map((w) => w.read()));
  const run = tf.customGrad((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const input = args[0] as tf.Tensor;
    const { result, draws } = withDraws(() => tf.tidy(() => runSteps(segment.steps, segment.input, input)));
    save([input]);
    return {
      value: result,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const savedInput = saved[0]!;
        const wrt = inputNeedsGrad ? [savedInput, ...variables] : variables;
        const { value, grads } = withDraws(
          () => gradientsInBackwardPass(() => runSteps(segment.steps, segment.input, savedInput), wrt, dy as tf.Tensor),
          draws,
        ).result;
        value.dispose();
        const filled = grads.map((g, i) => g ?? tf.zerosLike(wrt[i]!));
        return inputNeedsGrad ? filled : [tf.zerosLike(savedInput), ...filled];
      },
    };
  });
  return run(x, ...variables);
}

/** The model's training-mode forward pass with activation recomputation (see the file comment). */
export function applyWithRecompute(plan: RecomputePlan, x: tf.Tensor): tf.Tensor {
  let current = x;
  for (const segment of plan.segments) {
    current = segment.direct
      ? runSteps(segment.steps, segment.input, current)
      : recomputedSegment(segment, current, segment.input !== plan.modelInput);
  }
  return current;
}
