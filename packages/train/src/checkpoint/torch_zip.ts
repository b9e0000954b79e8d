// SPDX-License-Identifier: MIT
// The torch >= 1.6 zip container: `<prefix>/data.pkl` (the object pickle), `<prefix>/data/<key>` (one entry per
// storage, usually stored uncompressed), optional `<prefix>/byteorder`. The central directory is read from the
// byte source (zip_directory.ts); storage bytes are read later, only the range a tensor asks for.
import { BufferInput } from '../io/byte_input.js';
import type { ByteSource } from '../io/byte_source.js';
import { readExactly } from '../io/byte_source.js';
import { CheckpointError } from './errors.js';
import { GlobalRegistry } from './pickle_globals.js';
import { checkBudget, type ReadBudget } from './read_budget.js';
import type { PickleValue } from './pickle_values.js';
import { Storage, type StorageSource } from './storage.js';
import { storageDType, torchHandlers } from './torch_globals.js';
import { unpickle } from './unpickler.js';
import { entryDataStart, readZipDirectory, readZipEntry, type ZipEntry } from './zip_directory.js';


export interface ParsedTorchFile {
  root: PickleValue;
  globals: Set<string>;
  storages: Storage[];
  littleEndian: boolean;
  archivePrefix?: string;
}

/** What the container readers need: the allow-listed record classes and the resolved budget. */
export interface ContainerOptions {
  recordClasses: readonly string[];
  budget: ReadBudget;
}

export function makeRegistry(path: string, opts: ContainerOptions): GlobalRegistry {
  const registry: GlobalRegistry = new GlobalRegistry(
    torchHandlers((fn, args) => registry.call(fn, args, path), opts.budget, path),
    opts.recordClasses,
  );
  return registry;
}

/** A small metadata entry, read whole. */
async function readMetadataEntry(source: ByteSource, entries: Map<string, ZipEntry>, name: string, budget: ReadBudget): Promise<Uint8Array> {
  const entry = entries.get(name);
  if (entry === undefined) throw new CheckpointError(source.name, `zip entry '${name}' missing`);
  checkBudget(budget, 'maxPickleBytes', entry.uncompressedSize, source.name, () => `zip entry '${name}' of ${entry.uncompressedSize} bytes`);
  return readZipEntry(source, entry);
}

/** A storage entry, read by ranged reads (stored) or inflated on demand (deflated: once, however many views). */
function entrySource(source: ByteSource, entry: ZipEntry): StorageSource {
  let dataStart: Promise<number> | undefined;
  let inflated: Promise<Uint8Array> | undefined;
  return {
    byteLength: entry.uncompressedSize,
    async read(offset, length) {
      dataStart ??= entryDataStart(source, entry);
      if (entry.method === 0) return readExactly(source, (await dataStart) + offset, length);
      inflated ??= dataStart.then((start) => readZipEntry(source, entry, start));
      return (await inflated).slice(offset, offset + length);
    },
  };
}

/** Why the archive is not a torch checkpoint, or the one `data.pkl` entry it holds. */
function findPickle(source: ByteSource, entries: Map<string, ZipEntry>): string {
  const names = [...entries.keys()];
  const pickles = names.filter((name) => name === 'data.pkl' || name.endsWith('/data.pkl'));
  if (pickles.length === 0 && names.length === 1 && /\.(pth|pt|pth\.tar|bin)$/.test(names[0]!)) {
    throw new CheckpointError(source.name, `a zip archive around '${names[0]}', not a PyTorch checkpoint itself: unzip it first`);
  }
  if (pickles.length !== 1) {
    const sample = names.slice(0, 5).join(', ');
    throw new CheckpointError(
      source.name,
      pickles.length === 0
        ? `zip archive without a data.pkl entry: not a PyTorch checkpoint (entries: ${sample}${entries.size > 5 ? ', ...' : ''})`
        : `zip archive with several data.pkl entries (${pickles.join(', ')})`,
    );
  }
  return pickles[0]!;
}

export async function readTorchZip(source: ByteSource, opts: ContainerOptions): Promise<ParsedTorchFile> {
  const path = source.name;
  const entries = await readZipDirectory(source);
  const prefix = findPickle(source, entries).slice(0, -'data.pkl'.length);
  for (const entry of entries.values()) {
    if (entry.method !== 0 && entry.method !== 8) {
      throw new CheckpointError(path, `zip entry '${entry.name}' uses compression method ${entry.method}`);
    }
  }
  let littleEndian = true;
  if (entries.has(`${prefix}byteorder`)) {
    const order = new TextDecoder().decode(await readMetadataEntry(source, entries, `${prefix}byteorder`, opts.budget)).trim();
    if (order !== 'little' && order !== 'big') throw new CheckpointError(path, `unknown byteorder '${order}'`);
    littleEndian = order === 'little';
  }
  const pickle = await readMetadataEntry(source, entries, `${prefix}data.pkl`, opts.budget);
  const storages = new Map<string, Storage>();
  const persistentLoad = (pid: PickleValue): PickleValue => {
    if (!Array.isArray(pid) || pid.length < 5 || pid[0] !== 'storage') {
      throw new CheckpointError(path, 'unsupported persistent id in data.pkl (expected a storage reference)');
    }
    const [, type, key, location, numel] = pid;
    const dtype = storageDType(type);
    if (dtype === undefined) throw new CheckpointError(path, 'persistent id names an unknown storage type');
    if (typeof key !== 'string' || typeof location !== 'string' || typeof numel !== 'number') {
      throw new CheckpointError(path, 'malformed storage reference in data.pkl');
    }
    const cacheKey = `${key}:${dtype}`;
    const cached = storages.get(cacheKey);
    if (cached !== undefined) return cached;
    const entry = entries.get(`${prefix}data/${key}`);
    if (entry === undefined) throw new CheckpointError(path, `storage '${key}' has no zip entry '${prefix}data/${key}'`);
    const storage = new Storage({ path, key, dtype, numel, location, littleEndian, source: entrySource(source, entry) });
    storages.set(cacheKey, storage);
    return storage;
  };
  const registry = makeRegistry(path, opts);
  const { value, globals } = unpickle(new BufferInput(pickle), { path, registry, persistentLoad, budget: opts.budget });
  return { root: value, globals, storages: [...storages.values()], littleEndian, archivePrefix: prefix };
}
