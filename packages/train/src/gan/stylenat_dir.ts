// SPDX-License-Identifier: MIT
// A StyleNAT model directory: model.json (format 'natzoo-stylenat': configurations, provenance, weights manifest)
// and weights.bin. Written into a temporary sibling directory and renamed into place, so an interrupted write
// (conversion, a training checkpoint) leaves the previous directory or nothing, never half of one.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeStyleNAT, encodeStyleNAT, isStyleNATModelJson } from '@natzoo/models/advanced';
import type { StyleNATModelJson, StyleNATModuleName, StyleNATModules } from '@natzoo/models/advanced';
import { writeDirAtomic } from '../io/atomic_dir.js';
import { ArgumentError } from '@natzoo/core';

export { writeDirAtomic };

const WEIGHTS_FILE = 'weights.bin';

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
    throw new ArgumentError('model', dir, `cannot read model.json; expected a converted model directory (natzoo convert)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ArgumentError('model', dir, `model.json is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  return isStyleNATModelJson(json) ? json : null;
}

/** Loads a StyleNAT directory (only the `only` modules when given; g_ema always). */
export async function loadStyleNATDir(dir: string, only?: readonly StyleNATModuleName[]): Promise<{ modules: StyleNATModules; modelJson: StyleNATModelJson }> {
  const modelJson = await readStyleNATModelJson(dir);
  if (modelJson === null) throw new ArgumentError('model', dir, `model.json is not a StyleNAT model (format 'natzoo-stylenat')`);
  const shards = await Promise.all(modelJson.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(join(dir, p))));
  const total = shards.reduce((n, b) => n + b.byteLength, 0);
  const joined = new Uint8Array(total);
  shards.reduce((at, b) => (joined.set(b, at), at + b.byteLength), 0);
  return { modules: decodeStyleNAT(modelJson, joined.buffer, only), modelJson };
}
