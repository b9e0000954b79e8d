// SPDX-License-Identifier: MIT
// The upstream model fixtures (../shared/fixtures/models/index.json): their entries, the registered model each
// upstream class or builder maps to, and the error measure every parity test reports.
import { readFileSync } from 'node:fs';
import { readNpy } from '@natzoo/train';
import { sharedPath } from './shared_dir.js';

export interface ModelFixtureEntry {
  name: string;
  upstream: string;
  kwargs: Record<string, unknown>;
  checkpoint: string;
  input: string;
  output: string;
  also?: string[];
}

export function modelFixtureIndex(): ModelFixtureEntry[] {
  return JSON.parse(readFileSync(sharedPath('fixtures', 'models', 'index.json'), 'utf8')) as ModelFixtureEntry[];
}

/** The registered model whose family an upstream class or builder belongs to; the fixture's kwargs set the rest. */
export const BASE_FOR_SYMBOL = {
  _cct: 'cct_7_3x1_32',
  CCT: 'cct_7_3x1_32',
  _cvt: 'cvt_7_4_32',
  _vit_lite: 'vit_7_4_32',
  NAT: 'nat_mini',
  DiNAT: 'dinat_mini',
  DiNAT_s: 'dinat_s_tiny',
  NATIsotropic: 'nat_isotropic_small',
  _convmlp: 'convmlp_s',
} as const;

/** An entry's upstream symbol (`src/cct.py cct_2_3x2_32` -> `cct_2_3x2_32`, a registered name itself). */
export function upstreamSymbol(entry: ModelFixtureEntry): string {
  return entry.upstream.split(' ').pop()!;
}

/** The registered model to build for a fixture: its family's base for a class or builder, else the name itself. */
export function baseModelFor(symbol: string): string {
  return (BASE_FOR_SYMBOL as Record<string, string>)[symbol] ?? symbol;
}

export async function readFloat32(path: string): Promise<{ shape: number[]; data: Float32Array }> {
  const array = await readNpy(path);
  if (!(array.data instanceof Float32Array)) throw new Error(`${path}: expected float32, got ${array.dtype}`);
  return { shape: array.shape, data: array.data };
}

/** Largest |actual - expected|, and that relative to the largest |expected| (the "scale" the issues measure by). */
export function scaledError(actual: ArrayLike<number>, expected: ArrayLike<number>): { maxAbs: number; relative: number; scale: number } {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != expected ${expected.length}`);
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return { maxAbs, relative: maxAbs / scale, scale };
}
