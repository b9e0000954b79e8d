// SPDX-License-Identifier: MIT
// The StyleNAT generator (SHI-Labs/StyleNAT `models/generator.py` `Generator`, `models/stylenat.py`): mapping
// network z -> w, then per resolution two NA blocks driven by AdaIN, a bilinear upsample with LayerNorm, linear
// reduction and sinusoidal position embedding, and ToRGB skips summed through blurred upsampling. NHWC tokens
// throughout; images come out ImageNet-normalised as upstream's.
import * as tf from '@tensorflow/tfjs';
import { linearSplit, na2d, selfAttention } from '@natzoo/core';
import { generatorSpecs } from './generator_params.js';
import { ParamSet } from './param_set.js';
import { generatorPlan, latentCount } from './stylenat_config.js';
import type { GeneratorLayerPlan, StyleNATConfig } from './stylenat_config.js';
import { blurUpsample, equalLinear, fullAttentionBiasIndex, gelu, instanceNorm, layerNorm, linear, pixelNorm, sinusoidalGrid } from './stylenat_ops.js';

const BLUR = [1, 3, 3, 1];

export interface SynthesisOptions {
  /** Filled with `layers.<l>` (tokens `[B, h*w, C]` after layer l) and `to_rgbs.<l>` (the RGB skip, NCHW). */
  intermediates?: Map<string, tf.Tensor>;
}

export class StyleNATGenerator {
  readonly config: StyleNATConfig;
  readonly plan: readonly GeneratorLayerPlan[];
  readonly params: ParamSet;
  /** How many w vectors `synthesis` reads (two per resolution). */
  readonly nLatent: number;
  private readonly grids = new Map<number, tf.Tensor>();
  private readonly biasIndex: tf.Tensor1D;

  /** Random weights (upstream's initialisation), or `values` (our layouts, keyed by upstream names). */
  constructor(config: StyleNATConfig, values?: ReadonlyMap<string, Float32Array>) {
    this.config = config;
    this.plan = generatorPlan('StyleNAT generator', config);
    this.nLatent = latentCount(config);
    this.params = new ParamSet(generatorSpecs(config), values);
    this.biasIndex = tf.tensor1d(fullAttentionBiasIndex(4), 'int32');
    for (const layer of this.plan) {
      if (layer.outDim === null) continue;
      const r = 2 * layer.resolution;
      this.grids.set(layer.index, tf.tensor(sinusoidalGrid(r, r, layer.outDim), [1, r, r, layer.outDim]));
    }
  }

  private p(key: string): tf.Tensor {
    return this.params.get(key);
  }

  /** z `[B, styleDim]` -> w `[B, styleDim]` (PixelNorm, then `nMlp` equalised layers with fused leaky ReLU). */
  mapping(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let x = pixelNorm(z);
      for (let i = 1; i <= this.config.nMlp; i++) x = equalLinear(x, this.p(`style.${i}.weight`), this.p(`style.${i}.bias`), this.config.lrMlp, true);
      return x as tf.Tensor2D;
    });
  }

  private adain(x: tf.Tensor4D, w: tf.Tensor2D, prefix: string): tf.Tensor4D {
    const c = x.shape[3];
    const style = equalLinear(w, this.p(`${prefix}.style.weight`), this.p(`${prefix}.style.bias`), 1);
    const gamma = tf.reshape(tf.slice(style, [0, 0], [-1, c]), [-1, 1, 1, c]);
    const beta = tf.reshape(tf.slice(style, [0, c], [-1, c]), [-1, 1, 1, c]);
    return tf.add(tf.mul(gamma, instanceNorm(x)), beta) as tf.Tensor4D;
  }

  private attention(x: tf.Tensor4D, layer: GeneratorLayerPlan, prefix: string): tf.Tensor4D {
    const [b, h, w, c] = x.shape;
    const heads = layer.heads;
    const hd = c / heads;
    const scale = this.config.qkScale ?? hd ** -0.5;
    const weight = this.p(`${prefix}.qkv.weight`);
    const bias = this.config.qkvBias ? this.p(`${prefix}.qkv.bias`) : undefined;
    let out: tf.Tensor;
    if (layer.attention.kind === 'mhsa') {
      // Full attention over the 4x4 map with a [heads, 7, 7] RPB indexed key - query (upstream MHSARPB).
      const n = h * w;
      const rpb = this.p(`${prefix}.rpb`);
      const table = tf.reshape(tf.gather(tf.reshape(rpb, [heads, -1]), this.biasIndex, 1), [heads, n, n]);
      const qkv = tf.reshape(linear(x, weight, bias), [b, n, 3 * c]) as tf.Tensor3D;
      out = tf.reshape(selfAttention(qkv, { heads, scale, bias: table }), [b, h, w, c]);
    } else {
      // Contiguous head splits, each with its own window and RPB, concatenated back in head order. Upstream's qkv
      // columns are (3, heads, hd): q, k and v of every split are consecutive column blocks of one projection.
      const splits = layer.attention.splits;
      const blocks = linearSplit(x, weight, bias, [0, 1, 2].flatMap(() => splits.map((s) => s.heads * hd)));
      const block = (which: number, i: number) => tf.reshape(blocks[which * splits.length + i]!, [b, h, w, splits[i]!.heads, hd]) as tf.Tensor5D;
      const parts = splits.map((s, i) => {
        const o = na2d(block(0, i), block(1, i), block(2, i), { kernelSize: s.kernelSize, dilation: s.dilation, rpb: this.p(`${prefix}.${s.rpbKey}`), scale });
        return tf.reshape(o, [b, h, w, s.heads * hd]);
      });
      out = parts.length === 1 ? parts[0]! : tf.concat(parts, 3);
    }
    return linear(out, this.p(`${prefix}.proj.weight`), this.p(`${prefix}.proj.bias`)) as tf.Tensor4D;
  }

  private block(x: tf.Tensor4D, w: tf.Tensor2D, layer: GeneratorLayerPlan, prefix: string): tf.Tensor4D {
    const attended = tf.add(x, this.attention(this.adain(x, w, `${prefix}.norm1`), layer, `${prefix}.attn`)) as tf.Tensor4D;
    const normed = this.adain(attended, w, `${prefix}.norm2`);
    const hidden = gelu(linear(normed, this.p(`${prefix}.mlp.fc1.weight`), this.p(`${prefix}.mlp.fc1.bias`)));
    return tf.add(attended, linear(hidden, this.p(`${prefix}.mlp.fc2.weight`), this.p(`${prefix}.mlp.fc2.bias`))) as tf.Tensor4D;
  }

  private upsample(x: tf.Tensor4D, layer: GeneratorLayerPlan): tf.Tensor4D {
    const p = `layers.${layer.index}.upsample`;
    const [, h, w] = x.shape;
    // nn.Upsample(bilinear, align_corners=False) is TF's half-pixel-centres resize.
    const up = tf.image.resizeBilinear(x, [2 * h, 2 * w], false, true);
    const reduced = linear(layerNorm(up, this.p(`${p}.norm.weight`), this.p(`${p}.norm.bias`)), this.p(`${p}.reduction.weight`));
    return tf.add(reduced, tf.mul(this.grids.get(layer.index)!, this.p(`${p}.alpha`))) as tf.Tensor4D;
  }

  private toRgb(x: tf.Tensor4D, skip: tf.Tensor4D | null, index: number, upsampleSkip: boolean): tf.Tensor4D {
    const p = `to_rgbs.${index}`;
    const weight = tf.reshape(this.p(`${p}.conv.weight`), [x.shape[3], 3]);
    let out = tf.add(linear(x, weight, this.p(`${p}.conv.bias`)), this.p(`${p}.bias`)) as tf.Tensor4D;
    if (skip !== null) out = tf.add(out, upsampleSkip ? blurUpsample(skip, BLUR) : skip) as tf.Tensor4D;
    return out;
  }

  /**
   * w per block `[B, nLatent, styleDim]` -> image `[B, size, size, 3]` (NHWC, ImageNet-normalised like
   * upstream's output; see `denormalizeImages`).
   */
  synthesis(ws: tf.Tensor3D, opts: SynthesisOptions = {}): tf.Tensor4D {
    if (ws.rank !== 3 || ws.shape[1] !== this.nLatent || ws.shape[2] !== this.config.styleDim) {
      throw new Error(`synthesis: ws must be [B, ${this.nLatent}, ${this.config.styleDim}]; got [${ws.shape.join(', ')}]`);
    }
    // Each stage in its own tidy, so a 256/1024 px forward holds one stage's temporaries at a time.
    const stage = <T extends tf.Tensor>(previous: tf.Tensor | null, f: () => T): T => {
      const out = tf.tidy(f);
      if (previous !== null && previous !== out) previous.dispose();
      return out;
    };
    const latents = tf.unstack(ws, 1) as tf.Tensor2D[];
    let x = tf.tidy(() => tf.tile(this.p('input.input'), [ws.shape[0], 1, 1, 1]) as tf.Tensor4D);
    let skip: tf.Tensor4D | null = null;
    try {
      for (const layer of this.plan) {
        for (let b = 0; b < 2; b++) x = stage(x, () => this.block(x, latents[2 * layer.index + b]!, layer, `layers.${layer.index}.blocks.${b}`));
        if (layer.outDim !== null) x = stage(x, () => this.upsample(x, layer));
        // The skip is upsampled into every ToRGB but the last (which runs at the same resolution as the one before).
        const previousSkip: tf.Tensor4D | null = skip;
        skip = stage(previousSkip, () => this.toRgb(x, previousSkip, layer.index, layer.index > 0 && layer.outDim !== null));
        if (opts.intermediates !== undefined) {
          const [bb, hh, ww, cc] = x.shape;
          opts.intermediates.set(`layers.${layer.index}`, tf.keep(tf.reshape(x, [bb, hh * ww, cc])));
          opts.intermediates.set(`to_rgbs.${layer.index}`, tf.keep(tf.transpose(skip, [0, 3, 1, 2])));
        }
      }
    } finally {
      x.dispose();
      tf.dispose(latents);
    }
    return skip!;
  }

  /** Repeats w `[B, styleDim]` for every block: `[B, nLatent, styleDim]`. */
  broadcastLatent(w: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => tf.tile(tf.expandDims(w, 1), [1, this.nLatent, 1]) as tf.Tensor3D);
  }

  /** z -> (image NHWC, w repeated `[B, nLatent, styleDim]`), upstream's `Generator.forward`. */
  forward(z: tf.Tensor2D): { image: tf.Tensor4D; latents: tf.Tensor3D } {
    return tf.tidy(() => {
      const latents = this.broadcastLatent(this.mapping(z));
      return { image: this.synthesis(latents), latents };
    });
  }

  countParams(): number {
    return this.params.countParams();
  }

  dispose(): void {
    this.params.dispose();
    for (const g of this.grids.values()) g.dispose();
    this.grids.clear();
    this.biasIndex.dispose();
  }
}
