// SPDX-License-Identifier: MIT
// A Vite plugin that ships the converted models of `checkpoints/` (model.json, its weight shards,
// preprocess.json) and the sample images as static files, and lists them in `virtual:natzoo-assets`.
// The files are copied byte for byte, so the page reads exactly what the CLI reads.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';

const VIRTUAL_ID = 'virtual:natzoo-assets';
const RESOLVED_ID = `\0${VIRTUAL_ID}`;
/** Listed first in the page's model menu when present. */
const DEFAULT_MODEL = 'cct_2_3x2_32.cifar10';

interface AssetList {
  /** URL path (relative to the page) -> file on disk. */
  files: Map<string, string>;
  models: { id: string; url: string }[];
  samples: { name: string; url: string }[];
}

function weightPaths(modelJson: string): string[] {
  const manifest = (JSON.parse(readFileSync(modelJson, 'utf8')) as { weightsManifest?: { paths: string[] }[] }).weightsManifest ?? [];
  return manifest.flatMap((group) => group.paths);
}

function collect(checkpoints: string): AssetList {
  const files = new Map<string, string>();
  const models: AssetList['models'] = [];
  const samples: AssetList['samples'] = [];
  for (const id of readdirSync(checkpoints).sort()) {
    const dir = join(checkpoints, id);
    if (!statSync(dir).isDirectory() || !existsSync(join(dir, 'model.json')) || !existsSync(join(dir, 'preprocess.json'))) continue;
    for (const name of ['model.json', 'preprocess.json', ...weightPaths(join(dir, 'model.json'))]) {
      files.set(`models/${id}/${name}`, join(dir, name));
    }
    models.push({ id, url: `models/${id}/model.json` });
  }
  models.sort((a, b) => Number(b.id === DEFAULT_MODEL) - Number(a.id === DEFAULT_MODEL));
  const sampleDir = join(checkpoints, 'samples');
  if (existsSync(sampleDir)) {
    for (const name of readdirSync(sampleDir).sort()) {
      if (!/\.(png|jpe?g|webp)$/i.test(name)) continue;
      files.set(`samples/${name}`, join(sampleDir, name));
      samples.push({ name, url: `samples/${name}` });
    }
  }
  return { files, models, samples };
}

const CONTENT_TYPES: Record<string, string> = { json: 'application/json', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp' };

export function bundledAssets(checkpoints: string): Plugin {
  let assets: AssetList | null = null;
  const list = () => (assets ??= collect(checkpoints));
  return {
    name: 'natzoo-bundled-assets',
    resolveId: (id) => (id === VIRTUAL_ID ? RESOLVED_ID : null),
    load(id) {
      if (id !== RESOLVED_ID) return null;
      const { models, samples } = list();
      return `export const models = ${JSON.stringify(models)};\nexport const samples = ${JSON.stringify(samples)};\n`;
    },
    generateBundle() {
      for (const [fileName, path] of list().files) this.emitFile({ type: 'asset', fileName, source: readFileSync(path) });
    },
    configureServer(server) {
      // `vite` (dev): the same files from disk, at the same paths.
      server.middlewares.use((request, response, next) => {
        const path = list().files.get(decodeURIComponent((request.url ?? '').split('?')[0]!.replace(/^\//, '')));
        if (path === undefined) return next();
        response.setHeader('content-type', CONTENT_TYPES[path.split('.').pop()!.toLowerCase()] ?? 'application/octet-stream');
        response.end(readFileSync(path));
      });
    },
  };
}
