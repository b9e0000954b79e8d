// SPDX-License-Identifier: MIT
// tfjs-layers versions of NATTEN's NeighborhoodAttention1D/2D/3D modules: qkv Linear, NA, proj Linear (v0.17.5's
// modules with rpb, plus 0.21's stride and grouped kv heads).
// Weight names mirror the PyTorch parameters (qkv.weight -> qkv/kernel, ...) so checkpoint conversion can map them.
import { pad, reshape, serialization, slice, softmax, tidy } from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { InputSpec, initializers, layers } from '@tensorflow/tfjs-layers';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import type { NAOptions, SpatialRank } from '../na_args.js';
import { NAArgumentError } from '../na_args.js';
import { linear, linearSplit } from '../ops/linear.js';
import { na1d, na2d, na3d } from '../ops/na_attention.js';
import { na1dAV, na2dAV, na3dAV } from '../ops/na_av.js';
import { na1dQK, na2dQK, na3dQK } from '../ops/na_qk.js';
import { batchDropout } from '../batch_noise.js';
import { randomSeed } from '../random_source.js';
import { seededGlorotUniform, seededTruncatedNormal } from '../seeded_initializers.js';
import { argsConfig, checkHeads, layerLabel, resolveArgs } from './neighborhood_attention_config.js';
import type {
  NeighborhoodAttention1DArgs,
  NeighborhoodAttention2DArgs,
  NeighborhoodAttention3DArgs,
  NeighborhoodAttentionArgs,
  ResolvedNAArgs,
} from './neighborhood_attention_config.js';

export type {
  NeighborhoodAttention1DArgs,
  NeighborhoodAttention2DArgs,
  NeighborhoodAttention3DArgs,
  NeighborhoodAttentionArgs,
} from './neighborhood_attention_config.js';

/** What tfjs-layers passes as `call`'s second argument (`training`, `mask`, ...). */
type Kwargs = Record<string, unknown>;

interface NAWeights {
  qkvKernel: LayerVariable;
  qkvBias: LayerVariable | null;
  rpb: LayerVariable | null;
  projKernel: LayerVariable;
  projBias: LayerVariable;
}

/** The fused op and its QK and AV halves of one spatial rank (their tensor types differ only in rank). */
interface RankOps {
  fused(q: Tensor, k: Tensor, v: Tensor, opts: NAOptions): Tensor;
  qk(q: Tensor, k: Tensor, opts: NAOptions): Tensor;
  av(attn: Tensor, v: Tensor, opts: NAOptions): Tensor;
}
const opsByRank = {
  1: { fused: na1d, qk: na1dQK, av: na1dAV },
  2: { fused: na2d, qk: na2dQK, av: na2dAV },
  3: { fused: na3d, qk: na3dQK, av: na3dAV },
} as unknown as Record<SpatialRank, RankOps>;
const opsOf = (rank: SpatialRank): RankOps => opsByRank[rank];

/** softmax(q k^T * scale + rpb) over each query's neighbourhood; masked slots are -Infinity, so they get 0. */
function attentionOf(rank: SpatialRank, q: Tensor, k: Tensor, opts: NAOptions): Tensor {
  return softmax(opsOf(rank).qk(q, k, opts));
}

function splitNA(rank: SpatialRank, q: Tensor, k: Tensor, v: Tensor, opts: NAOptions, attnDrop: number): Tensor {
  const window = { kernelSize: opts.kernelSize, dilation: opts.dilation, isCausal: opts.isCausal, stride: opts.stride };
  // Dropout leaves the masked slots' zeros at 0.
  const attn = batchDropout(attentionOf(rank, q, k, opts), attnDrop, randomSeed());
  return opsOf(rank).av(attn, v, window);
}

const INPUT_LAYOUTS: Record<SpatialRank, string> = { 1: '[B, L, C]', 2: '[B, H, W, C]', 3: '[B, X, Y, Z, C]' };

/** Zero-pads the spatial axes at the end up to `kernelSize * dilation` (NATTEN <= 0.15's module padding). */
function padToWindow(x: Tensor, rank: SpatialRank, kernelSize: number[], dilation: number[]): Tensor {
  const extra = kernelSize.map((k, axis) => Math.max(0, k * dilation[axis]! - x.shape[axis + 1]!));
  if (extra.every((e) => e === 0)) return x;
  const paddings: [number, number][] = [[0, 0], ...extra.map((e): [number, number] => [0, e]), [0, 0]];
  return pad(x, paddings);
}

/** Shared implementation; not registered itself (only the concrete classes are serializable). */
abstract class NeighborhoodAttentionBase extends layers.Layer {
  private readonly rank: SpatialRank;
  private readonly args: ResolvedNAArgs;
  private naWeights: NAWeights | null = null;
  private channels = 0;

  protected constructor(rank: SpatialRank, className: string, args: NeighborhoodAttentionArgs) {
    super(args);
    this.rank = rank;
    this.args = resolveArgs(layerLabel(className, this.name), rank, args);
  }

  private get label(): string {
    return layerLabel(this.getClassName(), this.name);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const rank = this.rank;
    const layout = INPUT_LAYOUTS[rank];
    if (shape.length !== rank + 2) {
      throw new NAArgumentError(`${this.label}: input must have rank ${rank + 2} (${layout}); got shape [${shape.join(', ')}]`);
    }
    const channels = shape[rank + 1];
    if (channels == null) throw new NAArgumentError(`${this.label}: the channel axis of the input must be known; got [${shape.join(', ')}]`);
    const { dim, numHeads, numKVHeads, kernelSize, qkvBias, relPosBias } = this.args;
    if (dim !== null && dim !== channels) {
      throw new NAArgumentError(`${this.label}: dim is ${dim} but the input has ${channels} channels (shape [${shape.join(', ')}])`);
    }
    checkHeads(this.label, channels, numHeads);
    this.channels = channels;
    // [q | k | v]: q has every head, k and v numKVHeads heads of the same head dim.
    const qkvWidth = channels + (2 * channels * numKVHeads) / numHeads;

    this.naWeights = {
      qkvKernel: this.addWeight('qkv/kernel', [channels, qkvWidth], 'float32', seededGlorotUniform()),
      qkvBias: qkvBias ? this.addWeight('qkv/bias', [qkvWidth], 'float32', initializers.zeros()) : null,
      rpb: relPosBias
        ? this.addWeight(
            'rpb',
            [numHeads, ...kernelSize.map((k) => 2 * k - 1)],
            'float32',
            seededTruncatedNormal(0.02),
          )
        : null,
      projKernel: this.addWeight('proj/kernel', [channels, channels], 'float32', seededGlorotUniform()),
      projBias: this.addWeight('proj/bias', [channels], 'float32', initializers.zeros()),
    };
    // Later calls are checked against the built rank and channels by tfjs-layers itself.
    this.inputSpec = [new InputSpec({ ndim: rank + 2, axes: { [-1]: channels } })];
    this.built = true;
  }

  /** The built weights, or an error naming the layer. */
  private builtWeights(): NAWeights {
    if (this.naWeights === null) throw new NAArgumentError(`${this.label}: called before build()`);
    return this.naWeights;
  }

  /** q, k and v of `x` (`[B, ...spatial, C]`), each `[B, ...spatial, heads, headDim]`, and the NA options. */
  private project(x: Tensor, weights: NAWeights): { q: Tensor; k: Tensor; v: Tensor; opts: NAOptions } {
    const { rank, channels } = this;
    const { numHeads, numKVHeads, kernelSize, dilation, isCausal, stride, qkScale } = this.args;
    const headDim = channels / numHeads;
    const tokens = x.shape.slice(0, rank + 1);
    const opts: NAOptions = { kernelSize, dilation, isCausal, scale: qkScale ?? headDim ** -0.5 };
    if (stride.some((s) => s !== 1)) opts.stride = stride;
    if (weights.rpb !== null) opts.rpb = weights.rpb.read();
    const kvChannels = numKVHeads * headDim;
    const heads = (t: Tensor, n: number) => reshape(t, [...tokens, n, headDim]);
    // Channels are [q | k | v], each `heads` contiguous blocks of headDim (upstream reshape(B, ..., 3, heads, hd)).
    const flat = reshape(x, [-1, channels]);
    const [q, k, v] = linearSplit(flat, weights.qkvKernel.read(), weights.qkvBias?.read(), [channels, kvChannels, kvChannels]) as [Tensor, Tensor, Tensor];
    return { q: heads(q, numHeads), k: heads(k, numKVHeads), v: heads(v, numKVHeads), opts };
  }

  /** `input` zero-padded as the layer pads it (NATTEN <= 0.15's padInput), else `input` itself. */
  private padded(input: Tensor): Tensor {
    const { kernelSize, dilation, padInput } = this.args;
    return padInput ? padToWindow(input, this.rank, kernelSize, dilation) : input;
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tidy(() => {
      const input = Array.isArray(inputs) ? inputs[0] : inputs;
      if (input === undefined) throw new NAArgumentError(`${this.label}: called without an input`);
      const weights = this.builtWeights();
      const { rank, channels } = this;
      const { attnDrop, projDrop } = this.args;
      const x = this.padded(input);
      const training = kwargs['training'] === true;
      const { q, k, v, opts } = this.project(x, weights);

      // The fused op never materialises the attention weights, so dropout on them needs the split path.
      const attended =
        training && attnDrop > 0 ? splitNA(rank, q, k, v, opts, attnDrop) : opsOf(rank).fused(q, k, v, opts);
      let out: Tensor = linear(reshape(attended, [-1, channels]), weights.projKernel.read() as Tensor2D, weights.projBias.read());
      if (training && projDrop > 0) out = batchDropout(out, projDrop, randomSeed());
      out = reshape(out, x.shape);
      // Every op after NA is per token, so cropping after proj equals NATTEN 0.15's crop before it.
      return x === input ? out : slice(out, new Array<number>(rank + 2).fill(0), input.shape);
    });
  }

  /**
   * The softmaxed attention of every query of `input` (the layer's input, `[B, H, W, C]` or `[B, L, C]`) over
   * its neighbourhood, from the layer's own qkv weights, rpb and scale: `[B, H, W, heads, kh * kw]` (2-D) or
   * `[B, L, heads, k]` (1-D), slot `i * kw + j` being row `i`, column `j` of the window. Slots a causal mask
   * hides are 0. Inference only: no dropout.
   */
  attentionWeights(input: Tensor): Tensor {
    return tidy(() => {
      const weights = this.builtWeights();
      const { rank } = this;
      if (input.rank !== rank + 2 || input.shape[rank + 1] !== this.channels) {
        throw new NAArgumentError(`${this.label}: attentionWeights needs the layer's input ${INPUT_LAYOUTS[rank].replace('C]', `${this.channels}]`)}; got shape [${input.shape.join(', ')}]`);
      }
      const x = this.padded(input);
      const { q, k, opts } = this.project(x, weights);
      const attn = attentionOf(rank, q, k, opts);
      if (x === input) return attn;
      return slice(attn, new Array<number>(attn.rank).fill(0), [...input.shape.slice(0, rank + 1), -1, -1]);
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override getConfig(): serialization.ConfigDict {
    return { ...argsConfig(this.args), ...super.getConfig() };
  }
}

/**
 * NATTEN's `NeighborhoodAttention2D` as a tfjs-layers layer: `[B, H, W, C]` in and out.
 * Weights: `qkv/kernel` `[C, 3C]`, `qkv/bias` `[3C]`, `rpb` `[heads, 2k0-1, 2k1-1]`, `proj/kernel` `[C, C]`,
 * `proj/bias` `[C]` (PyTorch `qkv.weight` is the transpose of `qkv/kernel`).
 */
export class NeighborhoodAttention2D extends NeighborhoodAttentionBase {
  static className = 'NeighborhoodAttention2D';

  constructor(args: NeighborhoodAttention2DArgs) {
    super(2, NeighborhoodAttention2D.className, args);
  }
}

/** NATTEN's `NeighborhoodAttention1D`: `[B, L, C]` in and out; `rpb` is `[heads, 2k-1]`. */
export class NeighborhoodAttention1D extends NeighborhoodAttentionBase {
  static className = 'NeighborhoodAttention1D';

  constructor(args: NeighborhoodAttention1DArgs) {
    super(1, NeighborhoodAttention1D.className, args);
  }
}

/** NATTEN's `NeighborhoodAttention3D`: `[B, X, Y, Z, C]` in and out; `rpb` is `[heads, 2k0-1, 2k1-1, 2k2-1]`. */
export class NeighborhoodAttention3D extends NeighborhoodAttentionBase {
  static className = 'NeighborhoodAttention3D';

  constructor(args: NeighborhoodAttention3DArgs) {
    super(3, NeighborhoodAttention3D.className, args);
  }
}

serialization.registerClass(NeighborhoodAttention3D);
serialization.registerClass(NeighborhoodAttention2D);
serialization.registerClass(NeighborhoodAttention1D);
