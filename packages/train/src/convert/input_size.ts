// SPDX-License-Identifier: MIT
// The input size a converted model is built for. NAT, DiNAT, DiNAT_s and ConvMLP take any size upstream (their
// constructors have no img_size), but a tfjs LayersModel fixes its layer shapes at build time, so the size
// has to come from somewhere: `--input-size <px>`, timm's pretrained_cfg `input_size: [3, H, W]` in --config,
// or `img_size` / `imgSize` in --config (every family builds from our `imgSize` field). Default: the tag's or
// variant's own size.
import { ArgumentError } from '@natzoo/core';

const SIZE_KEYS = ['input_size', 'img_size', 'imgSize'] as const;

function side(where: string, value: unknown): number {
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
  if (ok(value)) return value;
  if (Array.isArray(value) && value.length === 3 && value.every(ok)) {
    const [channels, height, width] = value as [number, number, number];
    if (height !== width) throw new ArgumentError(where, undefined, `the models take square inputs; got [${value.join(', ')}]`);
    if (channels !== 3) throw new ArgumentError(where, undefined, `${channels} channels; only 3-channel input_size is read here (set the family's channel argument instead)`);
    return height;
  }
  throw new ArgumentError(where, undefined, `expected a positive integer side in pixels${where.includes('input_size') ? ' or [3, H, W]' : ''}; got ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`);
}

/** Whether `architecture` sets the input size under any of its spellings. */
export function hasInputSize(architecture: Readonly<Record<string, unknown>>): boolean {
  return SIZE_KEYS.some((key) => architecture[key] !== undefined && architecture[key] !== null);
}

/**
 * Removes every spelling of the input size from `architecture` and sets `imgSize` once, checking that the
 * flag and the config agree. Returns a new object.
 */
export function applyInputSize(architecture: Readonly<Record<string, unknown>>, flag?: number): Record<string, unknown> {
  const out = { ...architecture };
  const given: [string, number][] = [];
  if (flag !== undefined) given.push(['inputSize', side('inputSize', flag)]);
  for (const key of SIZE_KEYS) {
    if (!(key in out)) continue;
    if (out[key] !== undefined && out[key] !== null) given.push([`config.${key}`, side(`config.${key}`, out[key])]);
    delete out[key];
  }
  const [first, ...rest] = given;
  const clash = rest.find(([, size]) => size !== first![1]);
  if (clash !== undefined) throw new ArgumentError(first![0], first![1], `disagrees with ${clash[0]} ${clash[1]} on the input size`);
  if (first !== undefined) out.imgSize = first[1];
  return out;
}
