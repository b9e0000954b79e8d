// SPDX-License-Identifier: MIT
// writeTorchCheckpoint: what `torch.save(obj, path)` writes (the zip container, torch >= 1.6): `archive/data.pkl`
// (a protocol-2 pickle), `archive/byteorder`, one `archive/data/<n>` record per tensor, `archive/version`.
// The pickle names only globals torch.load(weights_only=True) accepts: collections.OrderedDict,
// torch._utils._rebuild_tensor_v2 and torch.<Type>Storage. Entries are stored uncompressed, as torch does.
import type { FileHandle } from 'node:fs/promises';
import { ZipFile } from 'yazl';
import { writeAll, writeFileAtomic } from '../io/atomic_write.js';
import { itemSize, type DType } from './dtype.js';
import { PyOrderedDict } from './pickle_values.js';
import { PickleWriter } from './pickle_writer.js';
import { tensorBytes } from './safetensors_encode.js';
import type { WritableTensor } from './safetensors_reader.js';
import { TensorRecord } from './tensor_record.js';

/**
 * What can be saved: plain data, tensors (`{dtype, shape, data}` or a TensorRecord), lists (saved as lists),
 * `OrderedDictToSave` (as `collections.OrderedDict`, what `state_dict()` returns) and other Maps (as dicts).
 * Non-integer numbers are written as Python floats (BINFLOAT), which torch 1.13's weights_only loader refuses;
 * state_dicts hold none.
 */
export type TorchSaveValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | WritableTensor
  | TorchSaveValue[]
  | Map<string | number, TorchSaveValue>;

/** A Map saved as `collections.OrderedDict` (a state_dict); a plain Map is saved as a dict. */
export class OrderedDictToSave extends Map<string | number, TorchSaveValue> {}

const STORAGE_CLASS: Record<DType, string> = {
  float32: 'FloatStorage', float64: 'DoubleStorage', float16: 'HalfStorage', bfloat16: 'BFloat16Storage', int64: 'LongStorage',
  int32: 'IntStorage', int16: 'ShortStorage', int8: 'CharStorage', uint8: 'ByteStorage', bool: 'BoolStorage',
};

function isTensor(value: unknown): value is WritableTensor {
  if (value instanceof TensorRecord) return true;
  const v = value as { dtype?: unknown; shape?: unknown; data?: unknown } | null;
  return v !== null && typeof v === 'object' && typeof v.dtype === 'string' && Array.isArray(v.shape) && ArrayBuffer.isView(v.data);
}

function contiguousStride(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    stride[i] = step;
    step *= shape[i]!;
  }
  return stride;
}

interface PendingStorage {
  key: string;
  name: string;
  tensor: WritableTensor;
}

/** The pickle of `root` and the tensors it refers to, in storage-key order. */
export function torchPickle(root: TorchSaveValue, where = 'writeTorchCheckpoint'): { pickle: Uint8Array; storages: PendingStorage[] } {
  const storages: PendingStorage[] = [];
  const w = new PickleWriter();
  const write = (value: TorchSaveValue, path: string): void => {
    if (value === null) w.none();
    else if (typeof value === 'boolean') w.bool(value);
    else if (typeof value === 'bigint') w.int(value);
    else if (typeof value === 'number') {
      if (Number.isInteger(value) && Number.isSafeInteger(value)) w.int(value);
      else w.float(value);
    } else if (typeof value === 'string') w.str(value);
    else if (Array.isArray(value)) w.list(() => value.forEach((v, i) => write(v, `${path}[${i}]`)));
    else if (isTensor(value)) {
      const key = String(storages.length);
      storages.push({ key, name: path, tensor: value });
      const numel = value.shape.reduce((n, d) => n * d, 1);
      w.global('torch._utils', '_rebuild_tensor_v2');
      w.tuple(() => {
        w.tuple(() => w.str('storage').global('torch', STORAGE_CLASS[value.dtype]).str(key).str('cpu').int(numel)).persistentId();
        w.int(0);
        w.tuple(() => value.shape.forEach((d) => w.int(d)));
        w.tuple(() => contiguousStride(value.shape).forEach((s) => w.int(s)));
        w.bool(false);
        w.global('collections', 'OrderedDict').emptyTuple().reduce();
      });
      w.reduce();
    } else if (value instanceof Map) {
      const ordered: unknown = value;
      if (ordered instanceof OrderedDictToSave || ordered instanceof PyOrderedDict) w.global('collections', 'OrderedDict').emptyTuple().reduce();
      else w.emptyDict();
      w.setItems(() => {
        for (const [k, v] of value as Map<string | number, TorchSaveValue>) {
          if (typeof k === 'number') w.int(k);
          else w.str(k);
          write(v, path === '' ? String(k) : `${path}.${String(k)}`);
        }
      });
    } else {
      throw new Error(`${where}: cannot save ${path || 'the root'} (${Object.prototype.toString.call(value)})`);
    }
  };
  w.proto();
  write(root, '');
  w.stop();
  return { pickle: w.bytes(), storages };
}

async function pipeToHandle(stream: NodeJS.ReadableStream, handle: FileHandle): Promise<void> {
  for await (const chunk of stream) await writeAll(handle, chunk as Buffer);
}

/**
 * Writes `root` as torch.save would, atomically. A state_dict is `new OrderedDictToSave([[name, tensor], ...])`;
 * a training checkpoint a Map such as `{state_dict, state_dict_ema, epoch}`. Loadable with
 * `torch.load(path, weights_only=True)`.
 */
export async function writeTorchCheckpoint(path: string, root: TorchSaveValue, archiveName = 'archive'): Promise<void> {
  if (!/^[\w.-]+$/.test(archiveName)) throw new Error(`writeTorchCheckpoint: bad archive name '${archiveName}'`);
  const { pickle, storages } = torchPickle(root);
  const zip = new ZipFile();
  const store = { compress: false, mtime: new Date(0) };
  zip.addBuffer(Buffer.from(pickle), `${archiveName}/data.pkl`, store);
  zip.addBuffer(Buffer.from('little'), `${archiveName}/byteorder`, store);
  for (const { key, name, tensor } of storages) {
    const bytes = await tensorBytes(name, tensor, path);
    const expected = tensor.shape.reduce((n, d) => n * d, 1) * itemSize(tensor.dtype);
    if (bytes.byteLength !== expected) throw new Error(`writeTorchCheckpoint: tensor '${name}' has ${bytes.byteLength} bytes, expected ${expected}`);
    zip.addBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), `${archiveName}/data/${key}`, store);
  }
  zip.addBuffer(Buffer.from('3\n'), `${archiveName}/version`, store);
  zip.end();
  await writeFileAtomic(path, (handle) => pipeToHandle(zip.outputStream, handle));
}
