// SPDX-License-Identifier: MIT
// What the model picker offers: the official NAT/DiNAT repos on the Hugging Face hub (sizes of their
// pytorch_model.bin) and every registry tag with published weights, each with its resolution, the publisher's
// top-1 and the license from @natzoo/models' registry.
import { getPretrainedConfig, listModels } from '@natzoo/models';
import type { PretrainedTag } from '@natzoo/models';

export interface CatalogEntry {
  /** What loadPretrainedModel takes: a hub id or a registry tag. */
  ref: string;
  label: string;
}

/** shi-labs repos: hub id, the registry tag with the same weights, size of pytorch_model.bin in MB. */
const HUB_MODELS: readonly [string, string, number][] = [
  ['shi-labs/nat-mini-in1k-224', 'nat_mini.in1k', 80],
  ['shi-labs/nat-tiny-in1k-224', 'nat_tiny.in1k', 112],
  ['shi-labs/nat-small-in1k-224', 'nat_small.in1k', 203],
  ['shi-labs/nat-base-in1k-224', 'nat_base.in1k', 359],
  ['shi-labs/dinat-mini-in1k-224', 'dinat_mini.in1k', 80],
  ['shi-labs/dinat-tiny-in1k-224', 'dinat_tiny.in1k', 112],
  ['shi-labs/dinat-small-in1k-224', 'dinat_small.in1k', 203],
  ['shi-labs/dinat-base-in1k-224', 'dinat_base.in1k', 359],
  ['shi-labs/dinat-large-in22k-in1k-224', 'dinat_large.in22k_in1k', 804],
  ['shi-labs/dinat-large-in22k-in1k-384', 'dinat_large_384.in22k_in1k', 804],
  ['shi-labs/dinat-large-11x11-in22k-in1k-384', 'dinat_large_384_11x11.in22k_in1k', 805],
];

function describe(tag: string, megabytes?: number): string {
  const cfg = getPretrainedConfig(tag as PretrainedTag);
  const parts = [`${cfg.inputSize[1]} px`, `${cfg.numClasses} classes`];
  if (megabytes !== undefined) parts.unshift(`${megabytes} MB`);
  if (cfg.top1 !== undefined) parts.push(`top-1 ${cfg.top1}%`);
  if (cfg.license !== undefined) parts.push(cfg.license);
  return parts.join(', ');
}

export function modelCatalog(): CatalogEntry[] {
  const sizes = new Map(HUB_MODELS.map(([, tag, mb]) => [tag, mb]));
  return [
    ...HUB_MODELS.map(([id, tag, mb]) => ({ ref: id, label: `${id}: ${describe(tag, mb)} (Hugging Face hub)` })),
    ...listModels(undefined, { pretrained: true }).map((tag) => ({ ref: tag, label: `${tag}: ${describe(tag, sizes.get(tag))} (release URL)` })),
  ];
}
