// SPDX-License-Identifier: MIT
// A StyleNAT model directory: model.json (format 'natzoo-stylenat': configurations, provenance, weights manifest)
// and weights.bin. Written into a temporary sibling directory and renamed into place, so an interrupted write
// (conversion, a training checkpoint) leaves the previous directory or nothing, never half of one.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { decodeStyleNAT, encodeStyleNAT, isStyleNATModelJson } from '@natzoo/models';
import type { StyleNATModelJson, StyleNATModuleName, StyleNATModules } from '@natzoo/models';

const WEIGHTS_FILE = 'weights.bin';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * Writes `files` (name -> bytes) as the directory `dir`, replacing an existing one only with `overwrite`.
 * The old directory is moved aside first and removed after the new one is in place.
 */
export async function writeDirAtomic(dir: string, files: ReadonlyMap<string, Uint8Array | string>, overwrite = false): Promise<void> {
  if ((await exists(dir)) && !overwrite) throw new Error(`--out ${dir} already exists; pass --overwrite to replace it`);
  await mkdir(dirname(dir), { recursive: true });
  const unique = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const staging = join(dirname(dir), `.${basename(dir)}.tmp-${unique}`);
  await mkdir(staging);
  try {
    for (const [name, bytes] of files) await writeFile(join(staging, name), bytes);
    const old = join(dirname(dir), `.${basename(dir)}.old-${unique}`);
    const replaced = await exists(dir);
    if (replaced) await rename(dir, old);
    try {
      await rename(staging, dir);
    } catch (error) {
      if (replaced) await rename(old, dir);
      throw error;
    }
    if (replaced) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Saves the modules (g_ema, and g / d when given) with `meta` as a StyleNAT model directory. */
export async function saveStyleNATDir(dir: string, modules: StyleNATModules, meta?: Record<string, unknown>, overwrite = false, extraFiles?: ReadonlyMap<string, Uint8Array | string>): Promise<void> {
  const { modelJson, weightData } = await encodeStyleNAT(modules, WEIGHTS_FILE, meta);
  const files = new Map<string, Uint8Array | string>([
    ['model.json', `${JSON.stringify(modelJson, null, 1)}\n`],
    [WEIGHTS_FILE, new Uint8Array(weightData)],
  ]);
  for (const [name, bytes] of extraFiles ?? []) files.set(name, bytes);
  await writeDirAtomic(dir, files, overwrite);
}

/** Reads model.json of `dir`; null when it is not a StyleNAT directory (e.g. a classifier's LayersModel). */
export async function readStyleNATModelJson(dir: string): Promise<StyleNATModelJson | null> {
  let text: string;
  try {
    text = await readFile(join(dir, 'model.json'), 'utf8');
  } catch {
    throw new Error(`--model ${dir}: cannot read model.json; expected a converted model directory (natzoo convert)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`--model ${dir}: model.json is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  return isStyleNATModelJson(json) ? json : null;
}

/** Loads a StyleNAT directory (only the `only` modules when given; g_ema always). */
export async function loadStyleNATDir(dir: string, only?: readonly StyleNATModuleName[]): Promise<{ modules: StyleNATModules; modelJson: StyleNATModelJson }> {
  const modelJson = await readStyleNATModelJson(dir);
  if (modelJson === null) throw new Error(`--model ${dir}: model.json is not a StyleNAT model (format 'natzoo-stylenat')`);
  const shards = await Promise.all(modelJson.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(join(dir, p))));
  const total = shards.reduce((n, b) => n + b.byteLength, 0);
  const joined = new Uint8Array(total);
  shards.reduce((at, b) => (joined.set(b, at), at + b.byteLength), 0);
  return { modules: decodeStyleNAT(modelJson, joined.buffer, only), modelJson };
}
