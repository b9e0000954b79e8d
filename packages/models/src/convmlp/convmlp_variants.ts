// SPDX-License-Identifier: MIT
// The three ConvMLP sizes SHI-Labs/Convolutional-MLPs registers (src/convmlp.py @092bf71) with the released
// ImageNet weights (`model_urls`) and the README's transfer checkpoints (configs/classification/finetuned/*.yml:
// 224 px, crop 1.0, the dataset's mean/std).
import type { PretrainedCfg, VariantSpec } from '../pretrained.js';
import { CIFAR10, CIFAR100, FLOWERS102, IMAGENET1K } from '../pretrained.js';
import type { ConvMLPConfig } from './convmlp_config.js';

const RELEASES = 'https://shi-labs.com/projects/convmlp/checkpoints';
const common = { license: 'Apache-2.0', originUrl: 'https://github.com/SHI-Labs/Convolutional-MLPs', inputSize: [3, 224, 224] } as const;

function tags(size: 's' | 'm' | 'l', top1: { in1k: number; cifar10: number; cifar100: number; flowers102?: number }): Record<string, PretrainedCfg> {
  const file = (dataset: string) => `${RELEASES}/convmlp_${size}_${dataset}.pth`;
  return {
    in1k: { ...IMAGENET1K, ...common, url: file('imagenet'), top1: top1.in1k },
    cifar10: { ...CIFAR10, ...common, url: file('cifar10'), top1: top1.cifar10 },
    cifar100: { ...CIFAR100, ...common, url: file('cifar100'), top1: top1.cifar100 },
    flowers102: { ...FLOWERS102, ...common, url: file('flowers102'), ...(top1.flowers102 === undefined ? {} : { top1: top1.flowers102 }) },
  };
}

export const convmlpVariants = {
  convmlp_s: {
    config: { blocks: [2, 4, 2], dims: [128, 256, 512], mlpRatios: [2, 2, 2], channels: 64, numConvBlocks: 2, numClasses: 1000 },
    pretrained: tags('s', { in1k: 76.8, cifar10: 98.0, cifar100: 87.4, flowers102: 99.5 }),
  },
  convmlp_m: {
    config: { blocks: [3, 6, 3], dims: [128, 256, 512], mlpRatios: [3, 3, 3], channels: 64, numConvBlocks: 3, numClasses: 1000 },
    pretrained: tags('m', { in1k: 79.0, cifar10: 98.6, cifar100: 89.1 }),
  },
  convmlp_l: {
    config: { blocks: [4, 8, 3], dims: [192, 384, 768], mlpRatios: [3, 3, 3], channels: 96, numConvBlocks: 3, numClasses: 1000 },
    pretrained: tags('l', { in1k: 80.2, cifar10: 98.6, cifar100: 88.6 }),
  },
} as const satisfies Record<string, VariantSpec<ConvMLPConfig>>;
