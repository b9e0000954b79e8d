// SPDX-License-Identifier: MIT
// Node only: the checkpoint readers over a file path (or any byte source). The readers themselves take byte
// sources and run in a browser too (the `@natzoo/train/convert` entry).
import type { ByteSource } from '../io/byte_source.js';
import { toByteSource } from '../io/file_source.js';
import * as readers from './state_dict.js';
import type { LoadedCheckpoint, LoadOptions, StateDict } from './state_dict.js';
import * as torch from './torch_checkpoint.js';
import type { FileKind, TorchCheckpoint, TorchReadOptions } from './torch_checkpoint.js';

/** What kind of weights/array file `input` is, from its first bytes (content, not extension). */
export async function detectFileKind(input: string | ByteSource): Promise<FileKind> {
  return torch.detectFileKind(await toByteSource(input));
}

/** A `.pth` / `.pt` / `.pth.tar` file (zip or legacy container) as inert data. */
export async function readTorchCheckpoint(input: string | ByteSource, opts: TorchReadOptions = {}): Promise<TorchCheckpoint> {
  return torch.readTorchCheckpoint(await toByteSource(input), opts);
}

/** The weights of any supported file, with the training wrappers removed, and what else the file holds. */
export async function loadCheckpoint(input: string | ByteSource, opts: LoadOptions = {}): Promise<LoadedCheckpoint> {
  return readers.loadCheckpoint(await toByteSource(input), opts);
}

/** The weights of a checkpoint file as `name -> TensorRecord`. */
export async function loadStateDict(input: string | ByteSource, opts: LoadOptions = {}): Promise<StateDict> {
  return readers.loadStateDict(await toByteSource(input), opts);
}
