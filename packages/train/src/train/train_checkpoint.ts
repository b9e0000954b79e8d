// SPDX-License-Identifier: MIT
// A training checkpoint: one .safetensors file, written atomically (temporary file, fsync, rename), holding
// the model's weights (`model/<name>`, buffers included), the optimizer state (`optim/<slot>/<name>`), the EMA
// weights (`ema/<name>`) and, in the metadata, everything else as JSON: model name and overrides, recipe,
// position (epoch, step in epoch, global step) and the random state. The random state is the run seed plus the
// position: every stream is derived from (seed, purpose, counters) (see rng.ts), so nothing else is needed to
// continue exactly.
import { CheckpointError } from '../checkpoint/errors.js';
import { readSafetensors, writeSafetensors, type ArrayTensor } from '../checkpoint/safetensors.js';
import { CHECKPOINT_FORMAT, parseCheckpointMeta } from './checkpoint_meta.js';
import type { CheckpointMeta, TrainPosition } from './checkpoint_meta.js';

export { CHECKPOINT_FORMAT };
export type { CheckpointMeta, TrainPosition };

export interface CheckpointTensors {
  model: Map<string, { shape: number[]; data: Float32Array }>;
  optim: Map<string, { shape: number[]; data: Float32Array }>;
  ema: Map<string, { shape: number[]; data: Float32Array }> | null;
}

export async function saveTrainCheckpoint(path: string, meta: CheckpointMeta, tensors: CheckpointTensors): Promise<void> {
  const out = new Map<string, ArrayTensor>();
  const add = (prefix: string, map: CheckpointTensors['model']) => {
    for (const [name, t] of map) out.set(`${prefix}/${name}`, { dtype: 'float32', shape: t.shape, data: t.data });
  };
  add('model', tensors.model);
  add('optim', tensors.optim);
  if (tensors.ema !== null) add('ema', tensors.ema);
  await writeSafetensors(path, out, { natzoo_train: JSON.stringify(meta) });
}

export async function loadTrainCheckpoint(path: string): Promise<{ meta: CheckpointMeta; model: Map<string, Float32Array>; optim: Map<string, Float32Array>; ema: Map<string, Float32Array> }> {
  const file = await readSafetensors(path);
  const text = file.metadata.get('natzoo_train');
  if (text === undefined) throw new CheckpointError(path, 'not a natzoo training checkpoint (no natzoo_train metadata)');
  const meta = parseCheckpointMeta(path, text);
  const groups = new Map([['model', new Map<string, Float32Array>()], ['optim', new Map<string, Float32Array>()], ['ema', new Map<string, Float32Array>()]]);
  for (const [name, record] of file.tensors) {
    const slash = name.indexOf('/');
    const group = slash > 0 ? groups.get(name.slice(0, slash)) : undefined;
    if (group === undefined) throw new CheckpointError(path, `unexpected tensor '${name}' (expected model/, optim/ or ema/ names)`);
    group.set(name.slice(slash + 1), await record.toFloat32());
  }
  return { meta, model: groups.get('model')!, optim: groups.get('optim')!, ema: groups.get('ema')! };
}
