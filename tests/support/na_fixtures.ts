// SPDX-License-Identifier: MIT
// The NATTEN v0.17.5 golden cases in shared/fixtures/na, with their options decoded.
import { readFileSync } from 'node:fs';
import { sharedPath } from './shared_dir.js';
import { readSafetensors } from './safetensors.js';
import type { FixtureTensor } from './safetensors.js';

export interface NAFixtureCase {
  name: string;
  rank: 1 | 2;
  kernelSize: number[];
  dilation: number[];
  isCausal: boolean[];
  hasRpb: boolean;
  scale: number;
  splitOps: boolean;
  tensors: Map<string, FixtureTensor>;
}

function perAxis<T>(value: string, rank: number, parse: (s: string) => T): T[] {
  const parts = value.split(',').map(parse);
  return parts.length === rank ? parts : new Array<T>(rank).fill(parts[0]!);
}

export function loadNAFixtures(): NAFixtureCase[] {
  const index = JSON.parse(readFileSync(sharedPath('fixtures', 'na', 'index.json'), 'utf8')) as {
    cases: { file: string; metadata: Record<string, string> }[];
  };
  return index.cases.map(({ file, metadata: m }) => {
    const rank = Number(m.rank) as 1 | 2;
    return {
      name: file.replace('.safetensors', ''),
      rank,
      kernelSize: perAxis(m.kernel_size!, rank, Number),
      dilation: perAxis(m.dilation!, rank, Number),
      isCausal: perAxis(m.is_causal!, rank, (s) => s === 'true'),
      hasRpb: m.has_rpb === 'true',
      scale: Number(m.scale),
      splitOps: m.split_ops !== 'false',
      tensors: readSafetensors(sharedPath('fixtures', 'na', file)).tensors,
    };
  });
}
