// SPDX-License-Identifier: MIT
// @natzoo/train/convert must load in a page: bundled for the browser, nothing Node-only may end up in it
// (node:* built-ins, fs, zlib, yauzl, sharp, yargs). Each forbidden import is listed with the file importing it.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ENTRY = fileURLToPath(new URL('../src/convert_entry.ts', import.meta.url));
const FORBIDDEN = ['fs', 'zlib', 'yauzl', 'yazl', 'sharp', 'yargs', 'cli-progress'];

interface BuildFailure {
  errors: { text: string; location: { file: string } | null }[];
}

describe('the browser entry @natzoo/train/convert', () => {
  it('bundles for the browser without any Node-only module', async () => {
    // Packages map their Node-only imports away through package.json's "browser" field (tfjs does); what is left
    // unresolvable in a browser build is a real Node dependency, and esbuild reports each one with its importer.
    const found: string[] = [];
    const result = await build({ entryPoints: [ENTRY], bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent' }).catch((error: BuildFailure) => {
      for (const e of error.errors) found.push(`${e.text} (in ${e.location?.file ?? '?'})`);
      return null;
    });
    expect(found).toEqual([]);
    const inputs = Object.keys(result!.metafile.inputs);
    const bundled = inputs.filter((input) => !input.startsWith('(disabled)') && FORBIDDEN.some((name) => input.includes(`node_modules/${name}/`) || input === `node:${name}`));
    expect(bundled).toEqual([]);
    // The readers and the converter are really in it (the checks above are not vacuous).
    for (const file of ['zip_directory.ts', 'torch_legacy.ts', 'safetensors_reader.ts', 'safetensors_encode.ts', 'npy_reader.ts', 'npy_encode.ts', 'convert_model.ts', 'convert_stylenat.ts', 'fflate']) {
      expect(inputs.some((input) => input.includes(file)), file).toBe(true);
    }
  }, 120_000);
});
