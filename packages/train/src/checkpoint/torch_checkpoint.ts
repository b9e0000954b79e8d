// SPDX-License-Identifier: MIT
// readTorchCheckpoint: a `.pth` / `.pt` / `.pth.tar` byte source (zip or legacy container) as inert data.
import { readHead, type ByteSource } from '../io/byte_source.js';
import { CheckpointError } from './errors.js';
import type { PickleValue } from './pickle_values.js';
import { resolveBudget, type ReadBudget } from './read_budget.js';
import type { Storage } from './storage.js';
import { readTorchLegacy } from './torch_legacy.js';
import { readTorchZip } from './torch_zip.js';

export interface TorchReadOptions {
  /**
   * Extra classes (`module.Name`) to read as inert records (fields from NEWOBJ/BUILD), for checkpoints that
   * pickle their own config objects. Nothing named here is ever imported or run.
   */
  recordClasses?: readonly string[];
  /** Raises the reader's limits (read_budget.ts, DEFAULT_READ_BUDGET) for a trusted file that needs more. */
  budget?: Partial<ReadBudget>;
}

export interface TorchCheckpoint {
  /** The source's name (a file path, a URL, a File's name). */
  readonly path: string;
  readonly container: 'zip' | 'legacy';
  /** The saved object; tensors are TensorRecords whose data is read on demand. */
  readonly root: PickleValue;
  /** Every global the pickle named (all allow-listed, or reading would have failed). */
  readonly globals: readonly string[];
  /** Storages the tensors refer to (data not read yet). */
  readonly storages: readonly Storage[];
  readonly byteOrder: 'little' | 'big';
  /** Zip record prefix, e.g. `archive/` or `tmp.pth/`. */
  readonly archivePrefix?: string;
}

export type FileKind = 'torch-zip' | 'torch-legacy' | 'safetensors' | 'npy' | 'tar' | 'unknown';

/** What kind of weights/array file `source` holds, from its first bytes (content, not extension). */
export async function detectFileKind(source: ByteSource): Promise<FileKind> {
  const head = await readHead(source, 512);
  if (head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6)) return 'torch-zip';
  if (head[0] === 0x80 && head[1] !== undefined && head[1] <= 5) return 'torch-legacy';
  if (head[0] === 0x93 && new TextDecoder().decode(head.subarray(1, 6)) === 'NUMPY') return 'npy';
  if (head.length >= 262 && new TextDecoder().decode(head.subarray(257, 262)) === 'ustar') return 'tar';
  if (head.length >= 9 && head[8] === 0x7b && source.byteLength >= 10) {
    const view = new DataView(head.buffer, head.byteOffset, 8);
    const headerLength = view.getBigUint64(0, true);
    if (headerLength > 1n && headerLength <= BigInt(source.byteLength - 8)) return 'safetensors';
  }
  return 'unknown';
}

export async function readTorchCheckpoint(source: ByteSource, opts: TorchReadOptions = {}): Promise<TorchCheckpoint> {
  const path = source.name;
  const container = { recordClasses: opts.recordClasses ?? [], budget: resolveBudget(opts.budget) };
  const kind = await detectFileKind(source);
  if (kind === 'torch-zip') {
    const parsed = await readTorchZip(source, container);
    return {
      path, container: 'zip', root: parsed.root, globals: [...parsed.globals].sort(), storages: parsed.storages,
      byteOrder: parsed.littleEndian ? 'little' : 'big', archivePrefix: parsed.archivePrefix!,
    };
  }
  if (kind === 'torch-legacy') {
    const parsed = await readTorchLegacy(source, container);
    return { path, container: 'legacy', root: parsed.root, globals: [...parsed.globals].sort(), storages: parsed.storages, byteOrder: 'little' };
  }
  if (kind === 'tar') throw new CheckpointError(path, 'tar-based PyTorch checkpoint (torch < 0.4) is not supported; re-save it with a recent torch');
  if (kind === 'safetensors' || kind === 'npy') throw new CheckpointError(path, `not a PyTorch checkpoint: this is a ${kind} file`);
  if (source.byteLength === 0) throw new CheckpointError(path, 'not a PyTorch checkpoint: the file is empty');
  throw new CheckpointError(path, 'not a PyTorch checkpoint: neither a zip container (PK) nor a legacy pickle (0x80)');
}
