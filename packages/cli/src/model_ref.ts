// SPDX-License-Identifier: MIT
// --model <dir|name>: a converted model directory, or a registered `arch[.tag]` looked up among the models this
// package ships, then in the cache, and otherwise converted from its release URL into the cache.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getPretrainedConfig, isModelName } from '@natzoo/models';
import type { ModelName, PretrainedTag } from '@natzoo/models';
import { convertCheckpoint, defaultCacheDir, fetchCheckpoint } from '@natzoo/train';
import { downloadBar } from './download_bar.js';

/**
 * The models shipped inside this package (copied from the repository's checkpoints/ at build and pack time),
 * found from this file so that the CLI works from any directory and outside the repository.
 */
export const SHIPPED_DIR = fileURLToPath(new URL('../models', import.meta.url));

/** The shipped model: the real CCT-2/3x2 CIFAR-10 checkpoint, converted (see checkpoints/README.md). */
export const DEFAULT_MODEL = join(SHIPPED_DIR, 'cct_2_3x2_32.cifar10');

async function isDir(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

export interface ResolveOptions {
  cacheDir?: string;
  /** Report downloads and conversions (on stderr). */
  log?: (line: string) => void;
}

/** The directory `ref` names: itself when it is one, else the converted copy of the registered model it names. */
export async function resolveModelDir(ref: string, opts: ResolveOptions = {}): Promise<string> {
  if (await isDir(ref)) return ref;
  if (/[\\/]/.test(ref) || ref.startsWith('.')) throw new Error(`--model ${ref}: no such model directory`);
  if (!isModelName(ref)) {
    // The registry's error names the close matches; keep it, under the option's name.
    let detail = 'not a registered model name';
    try {
      getPretrainedConfig(ref as ModelName);
    } catch (error) {
      detail = (error as Error).message.replace(/^getPretrainedConfig: /, '');
    }
    throw new Error(`--model ${ref}: not a model directory; ${detail}`);
  }
  let cfg: ReturnType<typeof getPretrainedConfig>;
  try {
    cfg = getPretrainedConfig(ref as ModelName | PretrainedTag);
  } catch (error) {
    const detail = (error as Error).message.replace(/^getPretrainedConfig: /, '');
    throw new Error(`--model ${ref}: ${detail}. Convert a checkpoint with 'natzoo convert <file> --model ${ref} --out <dir>' and pass --model <dir>`, { cause: error });
  }
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const candidates = [join(SHIPPED_DIR, cfg.name), join(cacheDir, 'models', cfg.name)];
  for (const dir of candidates) if (await isDir(dir)) return dir;
  if (cfg.url === undefined) {
    throw new Error(
      `--model ${ref}: no converted copy in ${candidates.join(' or ')}, and ${cfg.name} has no release URL; ` +
        `convert a checkpoint with 'natzoo convert <file> --model ${cfg.name} --out <dir>' and pass --model <dir>`,
    );
  }
  opts.log?.(`${cfg.name}: converting ${cfg.url} into ${candidates[1]}`);
  const bar = downloadBar(cfg.name);
  const checkpoint = await fetchCheckpoint(cfg.url, { cacheDir, onProgress: opts.log === undefined ? undefined : bar.onProgress }).finally(bar.stop);
  await convertCheckpoint({ checkpoint, model: cfg.name, out: candidates[1]!, sourceUrl: cfg.url });
  return candidates[1]!;
}
