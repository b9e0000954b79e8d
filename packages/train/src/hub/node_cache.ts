// SPDX-License-Identifier: MIT
// Node only: converted pretrained models in `~/.cache/natzoo/converted/` (or `$NATZOO_CACHE`), one model
// directory per source and revision, written atomically, so the CLI and loadPretrained share them. A directory is
// used while the weights it came from are unchanged (its sha256 or ETag against weightsVersion), else replaced.
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { disposeConverted } from '../convert/convert_model.js';
import { loadModelDir, readModelDir, saveModelDir } from '../convert/model_dir.js';
import { defaultCacheDir } from '../io/download.js';
import { convertPretrained, pretrainedCacheKey, type PretrainedCache, type PretrainedOptions } from './load_pretrained.js';
import { isCurrent, weightsVersion } from './weights_version.js';

const isDir = (path: string) => stat(path).then((s) => s.isDirectory(), () => false);

/** The directory that holds the model under `key`: a readable slug plus a hash of the whole key. */
export function pretrainedDir(key: string, cacheDir = defaultCacheDir()): string {
  const slug = key.replace(/^[a-z]+:\/\//i, '').replace(/[^\w.-]+/g, '_').slice(-80);
  return join(cacheDir, 'converted', `${slug}-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`);
}

/** A PretrainedCache over model directories under `cacheDir`. */
export function dirCache(cacheDir = defaultCacheDir()): PretrainedCache {
  return {
    async get(key) {
      const dir = pretrainedDir(key, cacheDir);
      return (await isDir(dir)) ? loadModelDir(dir) : null;
    },
    put: (key, model, preprocess) => saveModelDir(model, pretrainedDir(key, cacheDir), preprocess, { overwrite: true }),
  };
}

export interface PretrainedDirOptions extends PretrainedOptions {
  cacheDir?: string;
  refresh?: boolean;
}

/** The converted model directory of `ref` (a hub id or registry tag), converting it into the cache when absent. */
export async function pretrainedModelDir(ref: string, opts: PretrainedDirOptions = {}): Promise<string> {
  const dir = pretrainedDir(pretrainedCacheKey(ref, opts), opts.cacheDir);
  if (opts.refresh !== true && (await isDir(dir))) {
    const { preprocess } = await readModelDir(dir);
    if (isCurrent(preprocess.source, await weightsVersion(ref, opts))) {
      opts.onStage?.('from-cache');
      return dir;
    }
  }
  const converted = await convertPretrained(ref, opts);
  try {
    opts.onStage?.('caching');
    await saveModelDir(converted.model, dir, converted.preprocess, { overwrite: true });
  } finally {
    disposeConverted(converted);
  }
  return dir;
}
