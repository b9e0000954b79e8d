// SPDX-License-Identifier: MIT
// Every model name SHI-Labs/Compact-Transformers registers (src/cct.py, src/cvt.py, src/vit.py @cd11f09), with
// the released weights (README, `model_urls`). Names are `<family>_<layers>_<kernel>x<convs>_<img>`.
//
// `*_sine` names build a real sine table. Upstream's `_cct` and `_cvt` drop their `positional_embedding`
// argument (since commit 404de47), so there those names silently build a learnable table.
import type { VariantSpec } from '../pretrained.js';
import { CIFAR10, CIFAR100, FLOWERS102, IMAGENET1K } from '../pretrained.js';
import type { CCTConfig, PatchTransformerConfig } from './cct_config.js';

const CCT_RELEASES = 'https://shi-labs.com/projects/cct/checkpoints';
const ORIGIN = 'https://github.com/SHI-Labs/Compact-Transformers';

// Base sizes (`cct_2`, `cct_4`, ... in upstream): layers, heads, MLP ratio, width (head dim 64).
const size2 = { numLayers: 2, numHeads: 2, mlpRatio: 1, embedDim: 128 } as const;
const size4 = { numLayers: 4, numHeads: 2, mlpRatio: 1, embedDim: 128 } as const;
const size6 = { numLayers: 6, numHeads: 4, mlpRatio: 2, embedDim: 256 } as const;
const size7 = { numLayers: 7, numHeads: 4, mlpRatio: 2, embedDim: 256 } as const;
const size14 = { numLayers: 14, numHeads: 6, mlpRatio: 3, embedDim: 384 } as const;

// Tokenizers and inputs.
const conv3x1At32 = { kernelSize: 3, numConvLayers: 1, imgSize: 32, numClasses: 10 } as const;
const conv3x2At32 = { kernelSize: 3, numConvLayers: 2, imgSize: 32, numClasses: 10 } as const;
const conv7x2At224 = { kernelSize: 7, numConvLayers: 2, imgSize: 224 } as const;
const patch4At32 = { kernelSize: 4, imgSize: 32, numClasses: 10 } as const;

const learnable = { positionalEmbedding: 'learnable' } as const;
const sine = { positionalEmbedding: 'sine' } as const;

const license = 'Apache-2.0';

export const cctVariants = {
  cct_2_3x2_32: {
    config: { ...size2, ...conv3x2At32, ...learnable },
    pretrained: {
      cifar10: {
        ...CIFAR10, inputSize: [3, 32, 32], license,
        originUrl: 'https://github.com/Inc0mple/Compact-Transformers/tree/fab407db04485275ff074d1205de3422a2bcafc1/result',
        notes: 'Third-party timm run (20 epochs, epoch 18 kept), ~60% top-1; the checkpoint the project ships. No upstream URL.',
      },
    },
  },
  cct_2_3x2_32_sine: { config: { ...size2, ...conv3x2At32, ...sine } },
  cct_4_3x2_32: { config: { ...size4, ...conv3x2At32, ...learnable } },
  cct_4_3x2_32_sine: { config: { ...size4, ...conv3x2At32, ...sine } },
  cct_6_3x1_32: { config: { ...size6, ...conv3x1At32, ...learnable } },
  cct_6_3x1_32_sine: { config: { ...size6, ...conv3x1At32, ...sine } },
  cct_6_3x2_32: { config: { ...size6, ...conv3x2At32, ...learnable } },
  cct_6_3x2_32_sine: { config: { ...size6, ...conv3x2At32, ...sine } },
  cct_7_3x1_32: {
    config: { ...size7, ...conv3x1At32, ...learnable },
    pretrained: {
      cifar10: {
        ...CIFAR10, inputSize: [3, 32, 32], license, originUrl: ORIGIN, top1: 96.53,
        url: `${CCT_RELEASES}/pretrained/cct_7_3x1_32_cifar10_300epochs.pth`, notes: '300 epochs',
      },
    },
  },
  cct_7_3x1_32_sine: {
    config: { ...size7, ...conv3x1At32, ...sine },
    pretrained: {
      cifar10: {
        ...CIFAR10, inputSize: [3, 32, 32], license, originUrl: ORIGIN, top1: 98.0,
        url: `${CCT_RELEASES}/pretrained/cct_7_3x1_32_sine_cifar10_5000epochs.pth`, notes: '5000 epochs',
      },
      cifar10_1500e: {
        ...CIFAR10, inputSize: [3, 32, 32], license, originUrl: ORIGIN, top1: 97.48,
        url: `${CCT_RELEASES}/pretrained/cct_7_3x1_32_sine_cifar10_1500epochs.pth`, notes: '1500 epochs (README link only)',
      },
    },
  },
  cct_7_3x1_32_c100: {
    config: { ...size7, ...conv3x1At32, ...learnable, numClasses: 100 },
    pretrained: {
      cifar100: {
        ...CIFAR100, inputSize: [3, 32, 32], license, originUrl: ORIGIN, top1: 80.92,
        url: `${CCT_RELEASES}/pretrained/cct_7_3x1_32_cifar100_300epochs.pth`, notes: '300 epochs',
      },
    },
  },
  cct_7_3x1_32_sine_c100: {
    config: { ...size7, ...conv3x1At32, ...sine, numClasses: 100 },
    pretrained: {
      cifar100: {
        ...CIFAR100, inputSize: [3, 32, 32], license, originUrl: ORIGIN, top1: 82.87,
        url: `${CCT_RELEASES}/pretrained/cct_7_3x1_32_sine_cifar100_5000epochs.pth`, notes: '5000 epochs',
      },
      cifar100_1500e: {
        ...CIFAR100, inputSize: [3, 32, 32], license, originUrl: ORIGIN, top1: 82.72,
        url: `${CCT_RELEASES}/pretrained/cct_7_3x1_32_sine_cifar100_1500epochs.pth`, notes: '1500 epochs (README link only)',
      },
    },
  },
  cct_7_3x2_32: { config: { ...size7, ...conv3x2At32, ...learnable } },
  cct_7_3x2_32_sine: { config: { ...size7, ...conv3x2At32, ...sine } },
  cct_7_7x2_224: { config: { ...size7, ...conv7x2At224, ...learnable, numClasses: 102 } },
  cct_7_7x2_224_sine: {
    config: { ...size7, ...conv7x2At224, ...sine, numClasses: 102 },
    pretrained: {
      flowers102: {
        ...FLOWERS102, inputSize: [3, 224, 224], license, originUrl: ORIGIN, top1: 97.19,
        url: `${CCT_RELEASES}/pretrained/cct_7_7x2_224_flowers102.pth`, notes: '300 epochs from scratch',
      },
    },
  },
  cct_14_7x2_224: {
    config: { ...size14, ...conv7x2At224, ...learnable, numClasses: 1000 },
    pretrained: {
      in1k: {
        ...IMAGENET1K, inputSize: [3, 224, 224], license, originUrl: ORIGIN, top1: 80.67,
        url: `${CCT_RELEASES}/pretrained/cct_14_7x2_224_imagenet.pth`, notes: '300 (+10 cooldown) epochs',
      },
    },
  },
  cct_14_7x2_384: {
    config: { ...size14, ...conv7x2At224, ...learnable, imgSize: 384, numClasses: 1000 },
    pretrained: {
      in1k: {
        ...IMAGENET1K, inputSize: [3, 384, 384], license, originUrl: ORIGIN, top1: 82.71,
        url: `${CCT_RELEASES}/finetuned/cct_14_7x2_384_imagenet.pth`, notes: 'fine-tuned 30 epochs at 384 from cct_14_7x2_224.in1k',
      },
    },
  },
  cct_14_7x2_384_fl: {
    config: { ...size14, ...conv7x2At224, ...learnable, imgSize: 384, numClasses: 102 },
    pretrained: {
      flowers102: {
        ...FLOWERS102, inputSize: [3, 384, 384], license, originUrl: ORIGIN, top1: 99.76,
        url: `${CCT_RELEASES}/finetuned/cct_14_7x2_384_flowers102.pth`, notes: 'fine-tuned from cct_14_7x2_384.in1k',
      },
    },
  },
} as const satisfies Record<string, VariantSpec<CCTConfig>>;

/** CVT: upstream registers no weights for these (`model_urls` is empty). */
export const cvtVariants = {
  cvt_2_4_32: { config: { ...size2, ...patch4At32, ...learnable } },
  cvt_2_4_32_sine: { config: { ...size2, ...patch4At32, ...sine } },
  cvt_4_4_32: { config: { ...size4, ...patch4At32, ...learnable } },
  cvt_4_4_32_sine: { config: { ...size4, ...patch4At32, ...sine } },
  cvt_6_4_32: { config: { ...size6, ...patch4At32, ...learnable } },
  cvt_6_4_32_sine: { config: { ...size6, ...patch4At32, ...sine } },
  cvt_7_4_32: { config: { ...size7, ...patch4At32, ...learnable } },
  cvt_7_4_32_sine: { config: { ...size7, ...patch4At32, ...sine } },
} as const satisfies Record<string, VariantSpec<PatchTransformerConfig>>;

/** ViT-Lite: upstream registers no weights for these (`model_urls` is empty). */
export const vitLiteVariants = {
  vit_2_4_32: { config: { ...size2, ...patch4At32, ...learnable } },
  vit_2_4_32_sine: { config: { ...size2, ...patch4At32, ...sine } },
  vit_4_4_32: { config: { ...size4, ...patch4At32, ...learnable } },
  vit_4_4_32_sine: { config: { ...size4, ...patch4At32, ...sine } },
  vit_6_4_32: { config: { ...size6, ...patch4At32, ...learnable } },
  vit_6_4_32_sine: { config: { ...size6, ...patch4At32, ...sine } },
  vit_7_4_32: { config: { ...size7, ...patch4At32, ...learnable } },
  vit_7_4_32_sine: { config: { ...size7, ...patch4At32, ...sine } },
} as const satisfies Record<string, VariantSpec<PatchTransformerConfig>>;

export type CCTVariant = keyof typeof cctVariants;
export type CVTVariant = keyof typeof cvtVariants;
export type ViTLiteVariant = keyof typeof vitLiteVariants;
