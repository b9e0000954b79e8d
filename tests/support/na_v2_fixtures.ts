// SPDX-License-Identifier: MIT
// The generalized-NA golden cases in shared/fixtures/na_v2 (NATTEN 0.21 rules with rpb), with their options decoded.
import { readFileSync } from 'node:fs';
import { sharedPath } from './shared_dir.js';
import { readSafetensors } from './safetensors.js';
import type { FixtureTensor } from './safetensors.js';

export interface NAV2FixtureCase {
  name: string;
  rank: 1 | 2 | 3;
  kernelSize: number[];
  stride: number[];
  dilation: number[];
  isCausal: boolean[];
  hasRpb: boolean;
  heads: number;
  kvHeads: number;
  /** Number of additional key/value tokens (0: none; the split-op tensors are present). */
  extraTokens: number;
  scale: number;
  tensors: Map<string, FixtureTensor>;
}

const list = <T>(value: string): T[] => JSON.parse(value) as T[];

export function loadNAV2Fixtures(): NAV2FixtureCase[] {
  const index = JSON.parse(readFileSync(sharedPath('fixtures', 'na_v2', 'index.json'), 'utf8')) as {
    cases: { file: string; metadata: Record<string, string> }[];
  };
  return index.cases.map(({ file, metadata: m }) => ({
    name: file.replace('.safetensors', ''),
    rank: Number(m.rank) as 1 | 2 | 3,
    kernelSize: list<number>(m.kernel_size!),
    stride: list<number>(m.stride!),
    dilation: list<number>(m.dilation!),
    isCausal: list<boolean>(m.is_causal!),
    hasRpb: m.has_rpb === 'true',
    heads: Number(m.heads),
    kvHeads: Number(m.heads_kv),
    extraTokens: Number(m.additional_kv),
    scale: Number(m.scale),
    tensors: readSafetensors(sharedPath('fixtures', 'na_v2', file)).tensors,
  }));
}
