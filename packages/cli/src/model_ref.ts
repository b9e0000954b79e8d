// SPDX-License-Identifier: MIT
// --model <dir|name>: a converted model directory; a registered `arch[.tag]` (the models this package ships,
// else converted from its release URL); or a hub id (`shi-labs/dinat-mini-in1k-224`, read from HF_ENDPOINT or
// huggingface.co). Downloads are converted once into the cache (`$NATZOO_CACHE` or ~/.cache/natzoo).
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getPretrainedConfig, isHubId, isModelName } from '@natzoo/models';
import type { ModelName, PretrainedTag } from '@natzoo/models';
import { HubError, pretrainedModelDir } from '@natzoo/train';
import type { ByteProgress } from '@natzoo/train';

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
  /** Hub revision (branch, tag or commit) for a hub id; default main. */
  revision?: string;
  /** Report downloads and conversions (on stderr). */
  log?: (line: string) => void;
  onProgress?: (progress: ByteProgress) => void;
}

/** The registry's explanation of why `ref` is no registered name (with the close matches). */
function unknownName(ref: string): string {
  try {
    getPretrainedConfig(ref as ModelName);
  } catch (error) {
    return (error as Error).message.replace(/^getPretrainedConfig: /, '');
  }
  return 'not a registered model name';
}

/** Converts a hub id or tag into the cache (or finds it there), with library errors worded for --model. */
async function convertedDir(ref: string, opts: ResolveOptions): Promise<string> {
  try {
    return await pretrainedModelDir(ref, {
      ...(opts.cacheDir !== undefined ? { cacheDir: opts.cacheDir } : {}),
      ...(opts.revision !== undefined ? { revision: opts.revision } : {}),
      ...(opts.onProgress !== undefined ? { onProgress: opts.onProgress } : {}),
      onStage: (stage) => stage !== 'from-cache' && opts.log?.(`${ref}: ${stage}`),
    });
  } catch (error) {
    if (!(error instanceof HubError)) throw error;
    throw new Error(`--model ${ref}: ${error.message}`, { cause: error });
  }
}

/** The directory `ref` names: itself when it is one, else the converted copy of the pretrained model it names. */
export async function resolveModelDir(ref: string, opts: ResolveOptions = {}): Promise<string> {
  if (await isDir(ref)) return ref;
  if (isHubId(ref) && !isModelName(ref)) return convertedDir(ref, opts);
  if (/[\\/]/.test(ref) || ref.startsWith('.')) throw new Error(`--model ${ref}: no such model directory`);
  if (!isModelName(ref)) throw new Error(`--model ${ref}: not a model directory; ${unknownName(ref)}`);
  let cfg: ReturnType<typeof getPretrainedConfig>;
  try {
    cfg = getPretrainedConfig(ref as ModelName | PretrainedTag);
  } catch (error) {
    const detail = (error as Error).message.replace(/^getPretrainedConfig: /, '');
    throw new Error(`--model ${ref}: ${detail}. Convert a checkpoint with 'natzoo convert <file> --model ${ref} --out <dir>' and pass --model <dir>`, { cause: error });
  }
  const shipped = join(SHIPPED_DIR, cfg.name);
  if (await isDir(shipped)) return shipped;
  if (cfg.url === undefined) {
    throw new Error(
      `--model ${ref}: not shipped with natzoo, and ${cfg.name} has no release URL; ` +
        `convert a checkpoint with 'natzoo convert <file> --model ${cfg.name} --out <dir>' and pass --model <dir>`,
    );
  }
  return convertedDir(cfg.name, opts);
}
