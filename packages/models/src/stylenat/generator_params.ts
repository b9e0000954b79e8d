// SPDX-License-Identifier: MIT
// The StyleNAT generator's weights, named as upstream's state_dict (`style.1.weight`, `layers.0.blocks.1.attn.rpb`,
// `to_rgbs.2.conv.weight`, ...) with their shapes and upstream's initialisation, from the per-layer plan.
import type { Tensor } from '@tensorflow/tfjs';
import { init } from './param_set.js';
import type { ParamLayout, ParamSpec } from './param_set.js';
import { torchShapeOf } from './param_set.js';
import { generatorPlan } from './stylenat_config.js';
import { fullAttentionBiasIndex, makeKernel } from './stylenat_ops.js';
import type { DerivedBuffer } from './stylenat_weights.js';
import type { StyleNATConfig } from './stylenat_config.js';

function spec(key: string, shape: number[], layout: ParamLayout, initFn: () => Tensor, torchShape?: number[]): ParamSpec {
  return { key, shape, torchShape: torchShapeOf(shape, layout, torchShape), layout, trainable: true, init: initFn };
}

/** nn.Linear as `_init_weights` leaves it: weight trunc-normal 0.02, bias 0. */
function linearSpecs(prefix: string, inDim: number, outDim: number, bias = true): ParamSpec[] {
  const out = [spec(`${prefix}.weight`, [inDim, outDim], 'linear', init.truncNormal([inDim, outDim], 0.02))];
  if (bias) out.push(spec(`${prefix}.bias`, [outDim], 'same', init.zeros([outDim])));
  return out;
}

/** EqualLinear: weight `randn / lrMul` stored raw, bias 0. */
function equalLinearSpecs(prefix: string, inDim: number, outDim: number, lrMul: number): ParamSpec[] {
  return [
    spec(`${prefix}.weight`, [inDim, outDim], 'linear', init.normal([inDim, outDim], 1 / lrMul)),
    spec(`${prefix}.bias`, [outDim], 'same', init.zeros([outDim])),
  ];
}

/** Every trainable tensor of the generator, in upstream's state_dict order. */
export function generatorSpecs(cfg: StyleNATConfig): ParamSpec[] {
  const plan = generatorPlan('StyleNAT generator', cfg);
  const s = cfg.styleDim;
  const specs: ParamSpec[] = [];
  for (let i = 1; i <= cfg.nMlp; i++) specs.push(...equalLinearSpecs(`style.${i}`, s, s, cfg.lrMlp));
  const c0 = plan[0]!.dim;
  specs.push(spec('input.input', [1, 4, 4, c0], 'nchw', init.normal([1, 4, 4, c0])));
  for (const layer of plan) {
    const { dim: c, heads } = layer;
    const hidden = Math.floor(c * cfg.mlpRatio);
    for (let b = 0; b < 2; b++) {
      const p = `layers.${layer.index}.blocks.${b}`;
      specs.push(...equalLinearSpecs(`${p}.norm1.style`, s, 2 * c, 1));
      if (layer.attention.kind === 'mhsa') {
        const k = layer.resolution;
        specs.push(spec(`${p}.attn.rpb`, [heads, 2 * k - 1, 2 * k - 1], 'same', init.truncNormal([heads, 2 * k - 1, 2 * k - 1], 0.02)));
      } else {
        for (const split of layer.attention.splits) {
          const w = 2 * split.kernelSize - 1;
          specs.push(spec(`${p}.attn.${split.rpbKey}`, [split.heads, w, w], 'same', init.truncNormal([split.heads, w, w], 0.02)));
        }
      }
      specs.push(...linearSpecs(`${p}.attn.qkv`, c, 3 * c, cfg.qkvBias));
      specs.push(...linearSpecs(`${p}.attn.proj`, c, c));
      specs.push(...equalLinearSpecs(`${p}.norm2.style`, s, 2 * c, 1));
      specs.push(...linearSpecs(`${p}.mlp.fc1`, c, hidden));
      specs.push(...linearSpecs(`${p}.mlp.fc2`, hidden, c));
    }
    if (layer.outDim !== null) {
      const p = `layers.${layer.index}.upsample`;
      specs.push(spec(`${p}.alpha`, [1], 'same', init.zeros([1])));
      specs.push(spec(`${p}.norm.weight`, [c], 'same', init.ones([c])));
      specs.push(spec(`${p}.norm.bias`, [c], 'same', init.zeros([c])));
      specs.push(...linearSpecs(`${p}.reduction`, c, layer.outDim, false));
    }
  }
  for (const layer of plan) {
    const c = layer.outDim ?? layer.dim;
    const p = `to_rgbs.${layer.index}`;
    specs.push(spec(`${p}.bias`, [3], 'flatten', init.zeros([3]), [1, 3, 1, 1]));
    // xavier_normal gain 0.02 on a 1x1 conv: std = 0.02 * sqrt(2 / (c + 3)).
    specs.push(spec(`${p}.conv.weight`, [1, 1, c, 3], 'conv', init.normal([1, 1, c, 3], 0.02 * Math.sqrt(2 / (c + 3)))));
    specs.push(spec(`${p}.conv.bias`, [3], 'same', init.zeros([3])));
  }
  return specs;
}

/** Buffers upstream saves that we recompute: conversion checks their values against ours and consumes them. */
export function generatorDerivedBuffers(cfg: StyleNATConfig): Map<string, DerivedBuffer> {
  const plan = generatorPlan('StyleNAT generator', cfg);
  const out = new Map<string, DerivedBuffer>();
  const index = Float32Array.from(fullAttentionBiasIndex(4));
  const blur = Float32Array.from(makeKernel([1, 3, 3, 1]).flat().map((v) => v * 4));
  for (const layer of plan) {
    if (layer.attention.kind === 'mhsa') {
      for (let b = 0; b < 2; b++) {
        out.set(`layers.${layer.index}.blocks.${b}.attn.relative_position_index`, { reason: 'key - query RPB index, recomputed', expected: index });
      }
    }
    if (layer.outDim !== null) {
      out.set(`layers.${layer.index}.upsample.sin_pos_embed._float_tensor`, { reason: 'device/dtype marker, never read upstream' });
      out.set(`to_rgbs.${layer.index}.upsample.kernel`, { reason: '[1,3,3,1] x2 upsampling kernel, recomputed', expected: blur });
    }
  }
  return out;
}
