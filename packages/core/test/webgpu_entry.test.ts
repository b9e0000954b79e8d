// SPDX-License-Identifier: MIT
// The `@natzoo/core/webgpu` entry point from plain Node, as users get it (the built output): importing
// `@natzoo/core` alone registers nothing for webgpu, the entry registers all thirteen NA kernels (the split ones,
// the fused forward and the fused backward with its log-sum-exp), and neither loads the webgpu backend or Dawn at
// run time (types only), so it costs nothing where WebGPU is unused.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const dist = join(repoRoot, 'packages/core/dist');

describe('@natzoo/core/webgpu entry point', () => {
  it('registers the thirteen NA kernels for webgpu only when imported', () => {
    const script = `
      const core = await import('@natzoo/core');
      const tf = await import('@tensorflow/tfjs-core');
      const kernels = Object.keys(core)
        .filter((n) => n.startsWith('NeighborhoodAttention') && typeof core[n] === 'string');
      const count = () => kernels.filter((n) => tf.getKernel(core[n], 'webgpu') != null).length;
      const before = count();
      const entry = await import('@natzoo/core/webgpu');
      const exports = Object.keys(entry).sort();
      console.log(JSON.stringify({ kernels: kernels.length, before, after: count(), exports }));`;
    const options = { cwd: repoRoot, encoding: 'utf8' } as const;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], options);
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({
      kernels: 13,
      before: 0,
      after: 13,
      exports: ['registerWebGPUKernels', 'setWebGPUTiling'],
    });
  });

  it('has no run-time import of the webgpu backend or Dawn', () => {
    const kernelDir = join(dist, 'kernels/webgpu');
    const programs = readdirSync(kernelDir).filter((f) => f.endsWith('.js'));
    const files = [join(dist, 'webgpu.js'), ...programs.map((f) => join(kernelDir, f))];
    const importRe = /^\s*(?:import|export)\b[^;]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm;
    for (const file of files) {
      const imports = [...readFileSync(file, 'utf8').matchAll(importRe)].map((m) => m[1] ?? m[2]!);
      const gpuImports = imports.filter((s) => s === 'webgpu' || s.startsWith('@tensorflow/tfjs-backend-webgpu'));
      expect(gpuImports, file).toEqual([]);
    }
  });
});
