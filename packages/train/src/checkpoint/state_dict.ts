// SPDX-License-Identifier: MIT
// loadStateDict / loadCheckpoint: any supported weights byte source -> `name -> TensorRecord`, with the usual training
// wrappers removed ({state_dict}, {model}, timm checkpoints, EMA on request) and DataParallel's `module.` stripped.
import type { ByteSource } from '../io/byte_source.js';
import { CheckpointError } from './errors.js';
import { PyRecord, type PickleValue } from './pickle_values.js';
import { readSafetensors } from './safetensors_reader.js';
import { TensorRecord } from './tensor_record.js';
import { detectFileKind, readTorchCheckpoint, type TorchCheckpoint, type TorchReadOptions } from './torch_checkpoint.js';

export type StateDict = Map<string, TensorRecord>;

export interface LoadOptions extends TorchReadOptions {
  /** Dotted path of the entry holding the weights (e.g. `g_ema`, `state_dicts.g_ema`); default: found automatically. */
  key?: string;
  /** Take the EMA weights (`state_dict_ema`, `model_ema`, `ema`, `g_ema`) instead of the raw ones; an error if absent. */
  ema?: boolean;
  /** Prefixes removed when every key carries them (DataParallel / DDP); default `['module.']`. */
  stripPrefixes?: readonly string[];
}

export interface LoadedCheckpoint {
  /** The source's name (a file path, a URL, a File's name). */
  readonly path: string;
  readonly format: 'torch-zip' | 'torch-legacy' | 'safetensors';
  readonly stateDict: StateDict;
  /** Path of the entry the weights came from (`state_dict`, `model`, ...); null for a bare state_dict. */
  readonly weightsKey: string | null;
  /** The prefix stripped from every key, if any. */
  readonly strippedPrefix: string | null;
  /**
   * Everything else at the top level (`epoch`, `arch`, `args`, `optimizer`, `metric`, ...), for reports; for
   * safetensors, the header's `__metadata__` strings. Tensors in here stay unread.
   */
  readonly metadata: Map<string, PickleValue>;
  /** Entries of the state dict that were not tensors (left out of `stateDict`). */
  readonly skipped: readonly string[];
  /** Globals the pickle named (empty for safetensors). */
  readonly globals: readonly string[];
}

const WEIGHT_KEYS = ['state_dict', 'model', 'model_state_dict', 'module', 'net', 'network'];
const EMA_KEYS = ['state_dict_ema', 'model_ema', 'ema', 'ema_state_dict', 'g_ema'];

/** A dict whose values include tensors and whose keys are all strings. */
function isTensorDict(value: PickleValue | undefined): value is Map<string, PickleValue> {
  if (!(value instanceof Map) || value.size === 0) return false;
  let tensors = 0;
  for (const [k, v] of value) {
    if (typeof k !== 'string') return false;
    if (v instanceof TensorRecord) tensors++;
  }
  return tensors > 0;
}

function isBare(value: PickleValue): boolean {
  return value instanceof Map && [...value].every(([k, v]) => typeof k === 'string' && v instanceof TensorRecord);
}

function child(value: PickleValue | undefined, key: string): PickleValue | undefined {
  if (value instanceof Map) return value.get(key);
  if (value instanceof PyRecord) return value.fields.get(key);
  return undefined;
}

function topLevelKeys(root: PickleValue): string {
  if (root instanceof Map) return [...root.keys()].map((k) => String(k)).join(', ');
  return `(a ${root === null ? 'None' : root.constructor.name})`;
}

/** Finds the weights in a loaded object: returns [path, dict]. */
function findWeights(path: string, root: PickleValue, opts: LoadOptions): [string | null, Map<string, PickleValue>] {
  if (opts.key !== undefined) {
    let value: PickleValue | undefined = root;
    for (const part of opts.key.split('.')) value = child(value, part);
    if (!isTensorDict(value)) throw new CheckpointError(path, `'${opts.key}' is not a dict of tensors (top-level keys: ${topLevelKeys(root)})`);
    return [opts.key, value];
  }
  if (opts.ema !== true && isBare(root)) return [null, root as Map<string, PickleValue>];
  const candidates = opts.ema === true ? EMA_KEYS : WEIGHT_KEYS;
  for (const key of candidates) {
    const value = child(root, key);
    if (isTensorDict(value)) return [key, value];
    // One more level, e.g. {'model': {'state_dict': ...}}.
    for (const inner of WEIGHT_KEYS) {
      const nested = child(value, inner);
      if (isTensorDict(nested)) return [`${key}.${inner}`, nested];
    }
  }
  const what = opts.ema === true ? 'EMA weights' : 'state_dict';
  throw new CheckpointError(path, `no ${what} found (looked for ${candidates.join(', ')}; top-level keys: ${topLevelKeys(root)}); pass { key }`);
}

function stripPrefix(dict: StateDict, prefixes: readonly string[]): [StateDict, string | null] {
  for (const prefix of prefixes) {
    if (dict.size > 0 && [...dict.keys()].every((k) => k.startsWith(prefix))) {
      return [new Map([...dict].map(([k, v]) => [k.slice(prefix.length), v])), prefix];
    }
  }
  return [dict, null];
}

export async function loadCheckpoint(source: ByteSource, opts: LoadOptions = {}): Promise<LoadedCheckpoint> {
  const path = source.name;
  const kind = await detectFileKind(source);
  const prefixes = opts.stripPrefixes ?? ['module.'];
  if (kind === 'safetensors') {
    if (opts.key !== undefined || opts.ema === true) throw new CheckpointError(path, 'safetensors files hold one flat state_dict; key/ema do not apply');
    const file = await readSafetensors(source);
    const [stateDict, strippedPrefix] = stripPrefix(file.tensors, prefixes);
    return { path, format: 'safetensors', stateDict, weightsKey: null, strippedPrefix, metadata: new Map(file.metadata), skipped: [], globals: [] };
  }
  return selectWeights(await readTorchCheckpoint(source, opts), opts);
}

/** The weights of an already read torch checkpoint (one read serves several modules, e.g. StyleNAT's g_ema, g, d). */
export function selectWeights(checkpoint: TorchCheckpoint, opts: Omit<LoadOptions, 'recordClasses'> = {}): LoadedCheckpoint {
  const { path } = checkpoint;
  const prefixes = opts.stripPrefixes ?? ['module.'];
  const [weightsKey, found] = findWeights(path, checkpoint.root, opts);
  const tensors: StateDict = new Map();
  const skipped: string[] = [];
  for (const [k, v] of found) {
    if (v instanceof TensorRecord) tensors.set(k, v);
    else skipped.push(k);
  }
  const metadata = new Map<string, PickleValue>();
  if (weightsKey !== null && checkpoint.root instanceof Map) {
    const top = weightsKey.split('.')[0];
    for (const [k, v] of checkpoint.root) if (typeof k === 'string' && k !== top) metadata.set(k, v);
  }
  const [stateDict, strippedPrefix] = stripPrefix(tensors, prefixes);
  return {
    path, format: checkpoint.container === 'zip' ? 'torch-zip' : 'torch-legacy', stateDict, weightsKey, strippedPrefix, metadata, skipped,
    globals: checkpoint.globals,
  };
}

/** The weights of a checkpoint as `name -> TensorRecord` (see loadCheckpoint for the metadata). */
export async function loadStateDict(source: ByteSource, opts: LoadOptions = {}): Promise<StateDict> {
  return (await loadCheckpoint(source, opts)).stateDict;
}
