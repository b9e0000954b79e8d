// SPDX-License-Identifier: MIT
// The legacy (torch < 1.6, or `_use_new_zipfile_serialization=False`) container: five pickles back to back
// (magic number, protocol version, sys info, the object, the storage keys), then each storage as a
// little-endian int64 element count followed by its raw little-endian bytes. Only the pickles and the storage
// headers are read here; the data stays in the source until a tensor asks for it.
import { BufferInput, NeedMoreInput } from '../io/byte_input.js';
import { readExactly, type ByteSource } from '../io/byte_source.js';
import { itemSize, type DType } from './dtype.js';
import { checkBudget } from './read_budget.js';
import { CheckpointError } from './errors.js';
import type { PickleValue } from './pickle_values.js';
import { Storage, type StorageSource } from './storage.js';
import { storageDType } from './torch_globals.js';
import { makeRegistry, type ContainerOptions, type ParsedTorchFile } from './torch_zip.js';
import { unpickle } from './unpickler.js';

export const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;
/** The pickles are read from a prefix of the source that starts this long and grows until they fit. */
const FIRST_PREFIX_BYTES = 1 << 20;

/** A root storage whose position is known only after the object pickle has been read. */
interface PendingRoot {
  key: string;
  dtype: DType;
  numel: number;
  dataStart?: number;
}

function rootSource(source: ByteSource, root: PendingRoot, firstElement: number, numel: number): StorageSource {
  const size = itemSize(root.dtype);
  return {
    byteLength: numel * size,
    read(offset, length) {
      if (root.dataStart === undefined) throw new CheckpointError(source.name, `storage '${root.key}' has no data in the file`);
      return readExactly(source, root.dataStart + firstElement * size + offset, length);
    },
  };
}

interface LegacyPickles {
  root: { value: PickleValue; globals: Set<string> };
  keys: PickleValue;
  roots: Map<string, PendingRoot>;
  storages: Storage[];
  /** Where the storage headers start. */
  end: number;
}

/** The five pickles, from a buffered prefix of the source (NeedMoreInput when they run past it). */
function readPickles(source: ByteSource, prefix: Uint8Array, opts: ContainerOptions): LegacyPickles {
  const path = source.name;
  const input = new BufferInput(prefix, source.byteLength);
  const registry = makeRegistry(path, opts);
  const { budget } = opts;
  const plain = (): PickleValue => unpickle(input, { path, registry, budget }).value;
  let magic: PickleValue;
  try {
    magic = plain();
  } catch (error) {
    if (error instanceof NeedMoreInput) throw error;
    const problem = error instanceof CheckpointError ? error.problem : String(error);
    throw new CheckpointError(path, `not a PyTorch checkpoint: no legacy magic number (${problem})`);
  }
  if (magic !== LEGACY_MAGIC) throw new CheckpointError(path, 'not a PyTorch checkpoint: a pickle, but without the legacy torch magic number');
  const protocol = plain();
  if (protocol !== LEGACY_PROTOCOL) throw new CheckpointError(path, `unsupported legacy protocol version ${String(protocol)}`);
  plain(); // sys info: byte order and type sizes; storages are little-endian whatever it says
  const roots = new Map<string, PendingRoot>();
  const storages: Storage[] = [];
  const views = new Map<string, Storage>();
  const persistentLoad = (pid: PickleValue): PickleValue => {
    if (!Array.isArray(pid) || pid.length < 5 || pid[0] !== 'storage') {
      throw new CheckpointError(path, 'unsupported persistent id (expected a storage reference)');
    }
    const [, type, key, location, numel, view] = pid;
    const dtype = storageDType(type);
    if (dtype === undefined) throw new CheckpointError(path, 'persistent id names an unknown storage type');
    if (typeof key !== 'string' || typeof location !== 'string' || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
      throw new CheckpointError(path, 'malformed storage reference');
    }
    let root = roots.get(key);
    if (root === undefined) {
      root = { key, dtype, numel };
      roots.set(key, root);
    } else if (root.dtype !== dtype || root.numel !== numel) {
      throw new CheckpointError(path, `storage '${key}' is referenced with two different types or sizes`);
    }
    // Old torch saved storage views as (view_key, element offset, size) into a root storage.
    let viewKey = key;
    let first = 0;
    let count = numel;
    if (view !== null && view !== undefined) {
      if (!Array.isArray(view) || typeof view[0] !== 'string' || typeof view[1] !== 'number' || typeof view[2] !== 'number') {
        throw new CheckpointError(path, `malformed view of storage '${key}'`);
      }
      [viewKey, first, count] = view as [string, number, number];
      if (first < 0 || count < 0 || first + count > numel) throw new CheckpointError(path, `view '${viewKey}' lies outside storage '${key}'`);
    }
    const cached = views.get(viewKey);
    if (cached !== undefined) return cached;
    const storage = new Storage({ path, key: viewKey, dtype, numel: count, location, source: rootSource(source, root, first, count) });
    views.set(viewKey, storage);
    storages.push(storage);
    return storage;
  };
  const root = unpickle(input, { path, registry, persistentLoad, budget });
  const keys = plain();
  return { root, keys, roots, storages, end: input.position };
}

export async function readTorchLegacy(source: ByteSource, opts: ContainerOptions): Promise<ParsedTorchFile> {
  const path = source.name;
  let prefixLength = Math.min(source.byteLength, FIRST_PREFIX_BYTES);
  let pickles: LegacyPickles | undefined;
  while (pickles === undefined) {
    const prefix = await readExactly(source, 0, prefixLength);
    try {
      pickles = readPickles(source, prefix, opts);
    } catch (error) {
      if (!(error instanceof NeedMoreInput)) throw error;
      // The five pickles together; only the object pickle is ever large.
      checkBudget(opts.budget, 'maxPickleBytes', error.needed - FIRST_PREFIX_BYTES, path, () => `legacy pickles of ${error.needed} bytes`);
      // Geometric growth keeps the re-parsing linear in the pickles' size.
      prefixLength = Math.min(source.byteLength, Math.max(error.needed, 2 * prefixLength));
    }
  }
  const { root, keys, roots, storages } = pickles;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) {
    throw new CheckpointError(path, 'the storage key list is not a list of strings');
  }
  // Walk the storage headers: int64 count, then count * item size bytes.
  let offset = pickles.end;
  for (const key of keys as string[]) {
    const pending = roots.get(key);
    if (pending === undefined) throw new CheckpointError(path, `storage '${key}' is listed but never referenced`);
    const header = await readHeader(source, offset);
    if (header !== pending.numel) {
      throw new CheckpointError(path, `storage '${key}' holds ${header} elements but the pickle declares ${pending.numel}`);
    }
    const bytes = header * itemSize(pending.dtype);
    if (offset + 8 + bytes > source.byteLength) {
      throw new CheckpointError(path, `storage '${key}' (${bytes} bytes at ${offset + 8}) runs past the end of the file (truncated?)`);
    }
    pending.dataStart = offset + 8;
    offset += 8 + bytes;
  }
  for (const pending of roots.values()) {
    if (pending.dataStart === undefined) throw new CheckpointError(path, `storage '${pending.key}' is missing from the storage list`);
  }
  return { root: root.value, globals: root.globals, storages, littleEndian: true };
}

async function readHeader(source: ByteSource, offset: number): Promise<number> {
  if (offset + 8 > source.byteLength) throw new CheckpointError(source.name, `storage header at ${offset} lies past the end of the file (truncated?)`);
  const bytes = await readExactly(source, offset, 8);
  const count = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigInt64(0, true);
  if (count < 0n || count > BigInt(source.byteLength)) throw new CheckpointError(source.name, `absurd storage size ${count} at byte ${offset}`);
  return Number(count);
}
