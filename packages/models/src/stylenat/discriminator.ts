// SPDX-License-Identifier: MIT
// The StyleNAT discriminator (SHI-Labs/StyleNAT `models/discriminator.py`, from StyleSwin/SWAGAN): Haar wavelet
// input, per scale a FromRGB (inverse Haar -> blur-downsample -> Haar, 1x1 conv, added to the running features)
// and a ConvBlock (3x3 conv, blur + 3x3 stride-2 conv), minibatch standard deviation, a 3x3 conv and two
// linears. Convs and linears are spectral-normalised (`sn`, the FFHQ setting) or equalised. NHWC in, `[B, 1]` out.
import * as tf from '@tensorflow/tfjs';
import { haarFilters, haarTransform, inverseHaarFilters, inverseHaarTransform } from './haar.js';
import { init, ParamSet, torchShapeOf } from './param_set.js';
import type { ParamLayout, ParamSpec } from './param_set.js';
import { discriminatorChannels, resolveDiscriminatorConfig } from './stylenat_config.js';
import type { StyleNATDiscriminatorConfig } from './stylenat_config.js';
import { blurDownsample, fusedLeakyRelu, makeKernel, upfirdn2d } from './stylenat_ops.js';
import type { DerivedBuffer } from './stylenat_weights.js';

/** One conv of the network: where its weights live and how it is applied. */
interface ConvPlan {
  prefix: string;
  inC: number;
  outC: number;
  k: number;
  downsample: boolean;
}

interface ScalePlan {
  fromRgb: { prefix: string; outC: number; downsample: boolean };
  block: [ConvPlan, ConvPlan] | null;
}

function spec(key: string, shape: number[], layout: ParamLayout, initFn: () => tf.Tensor, trainable = true): ParamSpec {
  return { key, shape, torchShape: torchShapeOf(shape, layout), layout, trainable, init: initFn };
}

export class StyleNATDiscriminator {
  readonly config: StyleNATDiscriminatorConfig;
  readonly params: ParamSet;
  private readonly scales: ScalePlan[] = [];
  private readonly finalConv: ConvPlan;
  private readonly c4: number;

  constructor(config: StyleNATDiscriminatorConfig, values?: ReadonlyMap<string, Float32Array>) {
    this.config = resolveDiscriminatorConfig('StyleNAT discriminator', config);
    const channels = discriminatorChannels(this.config);
    const logSize = Math.log2(this.config.size) - 1;
    let inC = channels[this.config.size]!;
    let n = 0;
    for (let i = logSize; i > 2; i--, n++) {
      const outC = channels[2 ** (i - 1)]!;
      this.scales.push({
        fromRgb: { prefix: `from_rgbs.${n}`, outC: inC, downsample: i !== logSize },
        block: [
          { prefix: `convs.${n}.conv1`, inC, outC: inC, k: 3, downsample: false },
          { prefix: `convs.${n}.conv2`, inC, outC, k: 3, downsample: true },
        ],
      });
      inC = outC;
    }
    this.c4 = channels[4]!;
    this.scales.push({ fromRgb: { prefix: `from_rgbs.${n}`, outC: this.c4, downsample: true }, block: null });
    this.finalConv = { prefix: 'final_conv', inC: inC + 1, outC: this.c4, k: 3, downsample: false };
    this.params = new ParamSet(this.specs(), values);
  }

  /** The conv's (or linear's) weight-holding module inside upstream's nn.Sequential. */
  private convModule(c: ConvPlan): string {
    return `${c.prefix}.${c.downsample ? 1 : 0}`;
  }

  private weightSpecs(module: string, shape: number[], layout: 'conv' | 'linear', fanIn: number, bias: boolean): ParamSpec[] {
    const out = layout === 'conv' ? shape[3]! : shape[1]!;
    const specs: ParamSpec[] = [];
    if (this.config.sn) {
      const bound = 1 / Math.sqrt(fanIn);
      specs.push(spec(`${module}.weight_orig`, shape, layout, init.uniform(shape, bound)));
      if (bias) specs.push(spec(`${module}.bias`, [out], 'same', init.uniform([out], bound)));
      specs.push(spec(`${module}.weight_u`, [out], 'same', init.unit([out]), false));
      specs.push(spec(`${module}.weight_v`, [fanIn], 'same', init.unit([fanIn]), false));
    } else {
      specs.push(spec(`${module}.weight`, shape, layout, init.normal(shape)));
      if (bias) specs.push(spec(`${module}.bias`, [out], 'same', init.zeros([out])));
    }
    return specs;
  }

  private convSpecs(c: ConvPlan): ParamSpec[] {
    const specs = this.weightSpecs(this.convModule(c), [c.k, c.k, c.inC, c.outC], 'conv', c.inC * c.k * c.k, false);
    specs.push(spec(`${c.prefix}.${c.downsample ? 2 : 1}.bias`, [c.outC], 'same', init.zeros([c.outC])));
    return specs;
  }

  private specs(): ParamSpec[] {
    const specs: ParamSpec[] = [];
    for (const s of this.scales) specs.push(...this.convSpecs({ prefix: `${s.fromRgb.prefix}.conv`, inC: 12, outC: s.fromRgb.outC, k: 1, downsample: false }));
    for (const s of this.scales) if (s.block !== null) specs.push(...this.convSpecs(s.block[0]), ...this.convSpecs(s.block[1]));
    specs.push(...this.convSpecs(this.finalConv));
    const c = this.c4;
    if (this.config.sn) {
      specs.push(...this.weightSpecs('final_linear.0', [c * 16, c], 'linear', c * 16, true));
      specs.push(spec('final_linear.1.bias', [c], 'same', init.zeros([c])));
      specs.push(...this.weightSpecs('final_linear.2', [c, 1], 'linear', c, true));
    } else {
      specs.push(...this.weightSpecs('final_linear.0', [c * 16, c], 'linear', c * 16, true));
      specs.push(...this.weightSpecs('final_linear.1', [c, 1], 'linear', c, true));
    }
    return specs;
  }

  /** Constant filter buffers upstream stores (Haar filters, blur kernels); conversion checks and consumes them. */
  derivedBuffers(): Map<string, DerivedBuffer> {
    const out = new Map<string, DerivedBuffer>();
    const names = ['ll', 'lh', 'hl', 'hh'];
    const haar = haarFilters().map((k) => Float32Array.from(k.flat()));
    const inverse = inverseHaarFilters().map((k) => Float32Array.from(k.flat()));
    const blur = Float32Array.from(makeKernel(this.config.blurKernel).flat());
    const set = (prefix: string, filters: Float32Array[], what: string) => names.forEach((n, i) => out.set(`${prefix}.${n}`, { reason: what, expected: filters[i]! }));
    set('dwt', haar, 'Haar filter, recomputed');
    for (const s of this.scales) {
      if (!s.fromRgb.downsample) continue;
      set(`${s.fromRgb.prefix}.iwt`, inverse, 'inverse Haar filter, recomputed');
      set(`${s.fromRgb.prefix}.dwt`, haar, 'Haar filter, recomputed');
      out.set(`${s.fromRgb.prefix}.downsample.kernel`, { reason: 'blur kernel, recomputed', expected: blur });
    }
    for (const s of this.scales) if (s.block !== null) out.set(`${s.block[1].prefix}.0.kernel`, { reason: 'blur kernel, recomputed', expected: blur });
    return out;
  }

  /** `[out, fanIn]` view of a weight in PyTorch's flattening order (for spectral norm). */
  private matrix(module: string, layout: 'conv' | 'linear'): tf.Tensor2D {
    const w = this.params.get(`${module}.weight_orig`);
    const torch = layout === 'conv' ? tf.transpose(w, [3, 2, 0, 1]) : tf.transpose(w);
    return tf.reshape(torch, [torch.shape[0]!, -1]) as tf.Tensor2D;
  }

  /** The weight as used: `W / sigma` with `sigma = u . (W v)` (spectral norm), or `W / sqrt(fanIn)` (equalised). */
  private weight(module: string, layout: 'conv' | 'linear', fanIn: number): tf.Tensor {
    if (!this.config.sn) return tf.mul(this.params.get(`${module}.weight`), 1 / Math.sqrt(fanIn));
    const u = this.params.get(`${module}.weight_u`);
    const v = this.params.get(`${module}.weight_v`);
    const sigma = tf.sum(tf.mul(u, tf.squeeze(tf.matMul(this.matrix(module, layout), tf.expandDims(v, 1)), [1])));
    return tf.div(this.params.get(`${module}.weight_orig`), sigma);
  }

  /**
   * One power iteration on every spectral-normalised weight, as PyTorch's `spectral_norm` does at each forward in
   * training mode: `v = normalize(W^T u)`, `u = normalize(W v)`. Call it before each training forward pass.
   */
  updateSpectralNorm(): void {
    if (!this.config.sn) return;
    tf.tidy(() => {
      for (const [key] of this.params.specs) {
        if (!key.endsWith('.weight_orig')) continue;
        const module = key.slice(0, -'.weight_orig'.length);
        const layout = this.params.get(key).rank === 4 ? 'conv' : 'linear';
        const w = this.matrix(module, layout);
        const normalize = (t: tf.Tensor) => tf.div(t, tf.maximum(tf.norm(t), 1e-12));
        const v = normalize(tf.squeeze(tf.matMul(w, tf.expandDims(this.params.get(`${module}.weight_u`), 1), true, false), [1]));
        const u = normalize(tf.squeeze(tf.matMul(w, tf.expandDims(v, 1)), [1]));
        this.params.get(`${module}.weight_v`).assign(v);
        this.params.get(`${module}.weight_u`).assign(u);
      }
    });
  }

  /** ConvLayer: [blur] -> conv (no bias) -> fused leaky ReLU with its own bias. */
  private convLayer(x: tf.Tensor4D, c: ConvPlan): tf.Tensor4D {
    const w = this.weight(this.convModule(c), 'conv', c.inC * c.k * c.k) as tf.Tensor4D;
    let out: tf.Tensor4D;
    if (c.downsample) {
      // Blur pads ((4 - 2) + (k - 1)) split (ceil, floor), then a valid stride-2 conv.
      const p = this.config.blurKernel.length - 2 + c.k - 1;
      const pad0 = Math.ceil(p / 2);
      const blurred = upfirdn2d(x, makeKernel(this.config.blurKernel), 1, 1, [pad0, p - pad0, pad0, p - pad0]);
      out = tf.conv2d(blurred, w, 2, 'valid');
    } else {
      const pad = Math.floor(c.k / 2);
      out = tf.conv2d(pad > 0 ? tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]) : x, w, 1, 'valid');
    }
    return fusedLeakyRelu(out, this.params.get(`${c.prefix}.${c.downsample ? 2 : 1}.bias`)) as tf.Tensor4D;
  }

  private linear(x: tf.Tensor2D, module: string, inDim: number): tf.Tensor2D {
    const out = tf.matMul(x, this.weight(module, 'linear', inDim) as tf.Tensor2D);
    // Equalised linears scale their bias by lr_mul = 1; spectral-norm linears add theirs as is.
    return tf.add(out, this.params.get(`${module}.bias`)) as tf.Tensor2D;
  }

  /** `[B, size, size, 3]` images (ImageNet-normalised, like the generator's output) -> logits `[B, 1]`. */
  call(images: tf.Tensor4D): tf.Tensor2D {
    const size = this.config.size;
    if (images.rank !== 4 || images.shape[1] !== size || images.shape[2] !== size || images.shape[3] !== 3) {
      throw new Error(`StyleNAT discriminator: images must be [B, ${size}, ${size}, 3]; got [${images.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      let input = haarTransform(images);
      let out: tf.Tensor4D | null = null;
      for (const s of this.scales) {
        if (s.fromRgb.downsample) input = haarTransform(blurDownsample(inverseHaarTransform(input), this.config.blurKernel));
        const fromRgb = this.convLayer(input, { prefix: `${s.fromRgb.prefix}.conv`, inC: 12, outC: s.fromRgb.outC, k: 1, downsample: false });
        out = out === null ? fromRgb : (tf.add(out, fromRgb) as tf.Tensor4D);
        if (s.block !== null) out = this.convLayer(this.convLayer(out, s.block[0]), s.block[1]);
      }
      const features = this.finalConv4x4(this.minibatchStddev(out!));
      const batch = features.shape[0];
      // Upstream flattens NCHW: channel-major.
      const flat = tf.reshape(tf.transpose(features, [0, 3, 1, 2]), [batch, -1]) as tf.Tensor2D;
      const c = this.c4;
      if (this.config.sn) {
        const hidden = fusedLeakyRelu(this.linear(flat, 'final_linear.0', c * 16), this.params.get('final_linear.1.bias')) as tf.Tensor2D;
        return this.linear(hidden, 'final_linear.2', c);
      }
      const hidden = fusedLeakyRelu(this.linear(flat, 'final_linear.0', c * 16)) as tf.Tensor2D;
      return this.linear(hidden, 'final_linear.1', c);
    });
  }

  private finalConv4x4(x: tf.Tensor4D): tf.Tensor4D {
    return this.convLayer(x, this.finalConv);
  }

  /** Appends the mean over features of the per-group standard deviation (group `min(B, 4)`, one feature). */
  private minibatchStddev(x: tf.Tensor4D): tf.Tensor4D {
    const [b, h, w, c] = x.shape;
    const group = Math.min(b, 4);
    if (b % group !== 0) throw new Error(`StyleNAT discriminator: batch ${b} is not divisible by the minibatch-stddev group ${group}`);
    const grouped = tf.reshape(x, [group, b / group, h, w, c]);
    const { variance } = tf.moments(grouped, 0);
    const std = tf.mean(tf.sqrt(tf.add(variance, 1e-8)), [1, 2, 3]);
    const perSample = tf.tile(std, [group]);
    const feature = tf.tile(tf.reshape(perSample, [b, 1, 1, 1]), [1, h, w, 1]);
    return tf.concat([x, feature], 3) as tf.Tensor4D;
  }

  countParams(): number {
    return this.params.countParams();
  }

  dispose(): void {
    this.params.dispose();
  }
}
