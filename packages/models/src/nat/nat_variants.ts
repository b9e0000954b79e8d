// SPDX-License-Identifier: MIT
// Every model SHI-Labs/Neighborhood-Attention-Transformer registers (classification/nat.py, dinat.py, dinats.py,
// isotropic.py @d334f5b) with its released ImageNet weights (`model_urls`). None of these models sets a timm
// `default_cfg`, so evaluation uses timm's defaults: bicubic, ImageNet mean/std, crop 0.875.
import type { PretrainedCfg, VariantSpec } from '../pretrained.js';
import { IMAGENET1K } from '../pretrained.js';
import type { DiNATsConfig, IsotropicConfig, NATConfig } from './nat_config.js';

const NAT_CLS = 'https://shi-labs.com/projects/nat/checkpoints/CLS';
const DINAT = 'https://shi-labs.com/projects/dinat/checkpoints';
const license = 'MIT';
const originUrl = 'https://github.com/SHI-Labs/Neighborhood-Attention-Transformer';

const in1k = (url: string, top1: number, extra: Partial<PretrainedCfg> = {}): PretrainedCfg => ({
  ...IMAGENET1K, cropPct: 0.875, inputSize: [3, 224, 224], url, top1, license, originUrl, ...extra,
});
const at384 = { inputSize: [3, 384, 384], cropPct: 1.0 } as const;
// The 22k heads: upstream's registry functions leave num_classes at 1000; the files hold 21841 rows.
const in22k = (url: string): PretrainedCfg => ({
  ...IMAGENET1K, cropPct: 0.875, inputSize: [3, 224, 224], url, license, originUrl, numClasses: 21841, labels: 'imagenet21k',
  notes: 'ImageNet-22k head (21841 classes); the initialisation of the 22k->1k fine-tunes',
});

// === NAT and DiNAT ===

const mini = { embedDim: 64, depths: [3, 4, 6, 5], numHeads: [2, 4, 8, 16], mlpRatio: 3, dropPathRate: 0.2 } as const;
const tiny = { embedDim: 64, depths: [3, 4, 18, 5], numHeads: [2, 4, 8, 16], mlpRatio: 3, dropPathRate: 0.2 } as const;
const small = { embedDim: 96, depths: [3, 4, 18, 5], numHeads: [3, 6, 12, 24], mlpRatio: 2, dropPathRate: 0.3 } as const;
const base = { embedDim: 128, depths: [3, 4, 18, 5], numHeads: [4, 8, 16, 32], mlpRatio: 2, dropPathRate: 0.5 } as const;
const large = { embedDim: 192, depths: [3, 4, 18, 5], numHeads: [6, 12, 24, 48], mlpRatio: 2, dropPathRate: 0.35 } as const;
const common = { kernelSize: 7, numClasses: 1000, imgSize: 224 } as const;

// "Every other layer dilated" so the dilated layers span the whole map at 224 (56/28/14/7).
const repeat = (pattern: readonly number[], times: number) => Array.from({ length: times }, () => pattern).flat();
const dilationsMini = [[1, 8, 1], [1, 4, 1, 4], repeat([1, 2], 3), repeat([1], 5)];
const dilations18 = [[1, 8, 1], [1, 4, 1, 4], repeat([1, 2], 9), repeat([1], 5)];
const dilations18At384 = [[1, 13, 1], [1, 6, 1, 6], repeat([1, 3], 9), repeat([1], 5)];

export const natVariants = {
  nat_mini: { config: { ...common, ...mini }, pretrained: { in1k: in1k(`${NAT_CLS}/nat_mini.pth`, 81.8) } },
  nat_tiny: { config: { ...common, ...tiny }, pretrained: { in1k: in1k(`${NAT_CLS}/nat_tiny.pth`, 83.2) } },
  nat_small: { config: { ...common, ...small, layerScale: 1e-5 }, pretrained: { in1k: in1k(`${NAT_CLS}/nat_small.pth`, 83.7) } },
  nat_base: { config: { ...common, ...base, layerScale: 1e-5 }, pretrained: { in1k: in1k(`${NAT_CLS}/nat_base.pth`, 84.3) } },
} as const satisfies Record<string, VariantSpec<NATConfig>>;

export const dinatVariants = {
  dinat_mini: { config: { ...common, ...mini, dilations: dilationsMini }, pretrained: { in1k: in1k(`${DINAT}/imagenet1k/dinat_mini_in1k_224.pth`, 81.8) } },
  dinat_tiny: { config: { ...common, ...tiny, dilations: dilations18 }, pretrained: { in1k: in1k(`${DINAT}/imagenet1k/dinat_tiny_in1k_224.pth`, 82.7) } },
  // Unlike NAT-Small, DiNAT-Small has no layer scale.
  dinat_small: { config: { ...common, ...small, dilations: dilations18 }, pretrained: { in1k: in1k(`${DINAT}/imagenet1k/dinat_small_in1k_224.pth`, 83.8) } },
  dinat_base: { config: { ...common, ...base, dilations: dilations18, layerScale: 1e-5 }, pretrained: { in1k: in1k(`${DINAT}/imagenet1k/dinat_base_in1k_224.pth`, 84.4) } },
  dinat_large: {
    config: { ...common, ...large, dilations: dilations18 },
    pretrained: { in22k_in1k: in1k(`${DINAT}/imagenet1k/dinat_large_in22k_in1k_224.pth`, 86.6) },
  },
  dinat_large_384: {
    config: { ...common, ...large, imgSize: 384, dilations: dilations18At384 },
    pretrained: { in22k_in1k: in1k(`${DINAT}/imagenet1k/dinat_large_in22k_in1k_384.pth`, 87.4, at384) },
  },
  dinat_large_384_11x11: {
    config: { ...common, ...large, imgSize: 384, kernelSize: 11, dilations: dilations18 },
    pretrained: { in22k_in1k: in1k(`${DINAT}/imagenet1k/dinat_large_in22k_in1k_384_11x11.pth`, 87.5, at384) },
  },
  dinat_large_21k: {
    config: { ...common, ...large, dropPathRate: 0.2, numClasses: 21841, dilations: dilations18 },
    pretrained: { in22k: in22k(`${DINAT}/imagenet22k/dinat_large_in22k_224.pth`) },
  },
  // At 224 most of its windows exceed their maps (11*8 > 56, 11*4 > 28, 11*2 > 14, 11 > 7): it only ran on
  // NATTEN <= 0.15, which padded; padInput reproduces that. Its rpb tables are the 7x7 ones resized to 21x21.
  dinat_large_21k_11x11: {
    config: { ...common, ...large, dropPathRate: 0.2, numClasses: 21841, kernelSize: 11, dilations: dilations18, padInput: true },
    pretrained: { in22k: in22k(`${DINAT}/imagenet22k/dinat_large_in22k_224_11x11interp.pth`) },
  },
} as const satisfies Record<string, VariantSpec<NATConfig>>;

// === DiNAT_s ===

const sTiny = { embedDim: 96, depths: [2, 2, 6, 2], numHeads: [3, 6, 12, 24], dropPathRate: 0.2 } as const;
const sDeep = { depths: [2, 2, 18, 2] } as const;
const sCommon = { ...common, mlpRatio: 4, patchSize: 4 } as const;
const sDilations6 = [[1, 8], [1, 4], repeat([1, 2], 3), [1, 1]];
const sDilations18 = [[1, 8], [1, 4], repeat([1, 2], 9), [1, 1]];
const sDilations18At384 = [[1, 13], [1, 6], repeat([1, 3], 9), [1, 1]];

export const dinatSVariants = {
  dinat_s_tiny: { config: { ...sCommon, ...sTiny, dilations: sDilations6 }, pretrained: { in1k: in1k(`${DINAT}/imagenet1k/dinat_s_tiny_in1k_224.pth`, 81.8) } },
  dinat_s_small: {
    config: { ...sCommon, ...sTiny, ...sDeep, dropPathRate: 0.3, dilations: sDilations18 },
    pretrained: { in1k: in1k(`${DINAT}/imagenet1k/dinat_s_small_in1k_224.pth`, 83.5) },
  },
  dinat_s_base: {
    config: { ...sCommon, ...sDeep, embedDim: 128, numHeads: [4, 8, 16, 32], dropPathRate: 0.5, dilations: sDilations18 },
    pretrained: { in1k: in1k(`${DINAT}/imagenet1k/dinat_s_base_in1k_224.pth`, 83.8) },
  },
  dinat_s_large: {
    config: { ...sCommon, ...sDeep, embedDim: 192, numHeads: [6, 12, 24, 48], dropPathRate: 0.35, dilations: sDilations18 },
    pretrained: { in22k_in1k: in1k(`${DINAT}/imagenet1k/dinat_s_large_in1k_224.pth`, 86.5) },
  },
  dinat_s_large_384: {
    config: { ...sCommon, ...sDeep, imgSize: 384, embedDim: 192, numHeads: [6, 12, 24, 48], dropPathRate: 0.35, dilations: sDilations18At384 },
    pretrained: { in22k_in1k: in1k(`${DINAT}/imagenet1k/dinat_s_large_in1k_384.pth`, 87.4, at384) },
  },
  dinat_s_large_21k: {
    config: { ...sCommon, ...sDeep, embedDim: 192, numHeads: [6, 12, 24, 48], dropPathRate: 0.2, numClasses: 21841, dilations: sDilations18 },
    pretrained: { in22k: in22k(`${DINAT}/imagenet22k/dinat_s_large_in22k_224.pth`) },
  },
} as const satisfies Record<string, VariantSpec<DiNATsConfig>>;

// === Isotropic ===

const isoSmall = { embedDim: 384, numHeads: 12, dropPathRate: 0.1 } as const;
const isoBase = { embedDim: 768, numHeads: 24, dropPathRate: 0.4 } as const;
const iso = { imgSize: 224, patchSize: 16, depth: 12, mlpRatio: 4, numClasses: 1000 } as const;
const natIso = { attention: 'neighborhood', kernelSize: 7, dilation: 1 } as const;
const dinatIso = { attention: 'neighborhood', kernelSize: 7, dilation: 2 } as const;
const vitRpb = { attention: 'full' } as const;
const isoUrl = (file: string, top1: number) => ({ in1k: in1k(`${DINAT}/isotropic/${file}_in1k_224.pth`, top1) });

export const isotropicVariants = {
  nat_isotropic_small: { config: { ...iso, ...isoSmall, ...natIso }, pretrained: isoUrl('nat_isotropic_small', 80.0) },
  dinat_isotropic_small: { config: { ...iso, ...isoSmall, ...dinatIso }, pretrained: isoUrl('dinat_isotropic_small', 80.8) },
  vitrpb_small: { config: { ...iso, ...isoSmall, ...vitRpb }, pretrained: isoUrl('vitrpb_small', 81.2) },
  nat_isotropic_base: { config: { ...iso, ...isoBase, ...natIso }, pretrained: isoUrl('nat_isotropic_base', 81.6) },
  dinat_isotropic_base: { config: { ...iso, ...isoBase, ...dinatIso }, pretrained: isoUrl('dinat_isotropic_base', 82.1) },
  vitrpb_base: { config: { ...iso, ...isoBase, ...vitRpb }, pretrained: isoUrl('vitrpb_base', 82.5) },
} as const satisfies Record<string, VariantSpec<IsotropicConfig>>;
