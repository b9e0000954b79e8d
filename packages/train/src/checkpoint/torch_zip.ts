// SPDX-License-Identifier: MIT
// The torch >= 1.6 zip container: `<prefix>/data.pkl` (the object pickle), `<prefix>/data/<key>` (one entry per
// storage, usually stored uncompressed), optional `<prefix>/byteorder`. yauzl parses the central directory from
// the file descriptor; storage bytes are read later, straight from the file, only when a tensor asks.
import { inflateRawSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { BufferInput } from '../io/byte_input.js';
import { readFileRange, type FileSnapshot } from '../io/file_range.js';
import { CheckpointError } from './errors.js';
import { GlobalRegistry } from './pickle_globals.js';
import type { PickleValue } from './pickle_values.js';
import { Storage, type StorageSource } from './storage.js';
import { storageDType, torchHandlers } from './torch_globals.js';
import { unpickle } from './unpickler.js';

/** Small metadata entries (data.pkl, byteorder, version) are read whole; bigger than this is not a checkpoint. */
const MAX_PICKLE_BYTES = 1 << 30;

interface ZipEntryInfo {
  name: string;
  localHeaderOffset: number;
  compressedSize: number;
  uncompressedSize: number;
  method: number;
}

export interface ParsedTorchFile {
  root: PickleValue;
  globals: Set<string>;
  storages: Storage[];
  littleEndian: boolean;
  archivePrefix?: string;
}

export function makeRegistry(path: string, recordClasses: readonly string[]): GlobalRegistry {
  const registry: GlobalRegistry = new GlobalRegistry(
    torchHandlers((fn, args) => registry.call(fn, args, path)),
    recordClasses,
  );
  return registry;
}

interface ZipListing {
  zip: yauzl.ZipFile;
  entries: Map<string, ZipEntryInfo>;
  /** yauzl entries of the small metadata files, read whole through yauzl while the zip is open. */
  metadata: Map<string, yauzl.Entry>;
}

async function listEntries(file: FileSnapshot): Promise<ZipListing> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(file.path, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true });
  } catch (error) {
    throw new CheckpointError(file.path, `not a readable zip archive (truncated or corrupt?): ${(error as Error).message}`);
  }
  const entries = new Map<string, ZipEntryInfo>();
  const metadata = new Map<string, yauzl.Entry>();
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.isEncrypted()) throw new CheckpointError(file.path, `zip entry '${entry.fileName}' is encrypted`);
      entries.set(entry.fileName, {
        name: entry.fileName,
        localHeaderOffset: entry.relativeOffsetOfLocalHeader,
        compressedSize: entry.compressedSize,
        uncompressedSize: entry.uncompressedSize,
        method: entry.compressionMethod,
      });
      if (/(^|\/)(data\.pkl|byteorder)$/.test(entry.fileName)) metadata.set(entry.fileName, entry);
    }
  } catch (error) {
    zip.close();
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError(file.path, `corrupt zip central directory: ${(error as Error).message}`);
  }
  return { zip, entries, metadata };
}

/** Reads a whole small entry through yauzl (which checks the local header and sizes). */
async function readWholeEntry(listing: ZipListing, file: FileSnapshot, name: string): Promise<Uint8Array> {
  const entry = listing.metadata.get(name);
  if (entry === undefined) throw new CheckpointError(file.path, `zip entry '${name}' missing`);
  if (entry.uncompressedSize > MAX_PICKLE_BYTES) {
    throw new CheckpointError(file.path, `zip entry '${name}' is ${entry.uncompressedSize} bytes, too large for a pickle`);
  }
  try {
    const stream: Readable = await listing.zip.openReadStreamPromise(entry);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return new Uint8Array(Buffer.concat(chunks));
  } catch (error) {
    throw new CheckpointError(file.path, `cannot read zip entry '${name}': ${(error as Error).message}`);
  }
}

/** A storage entry, read by positioned reads (stored) or inflated whole (deflated) on demand. */
function entrySource(file: FileSnapshot, entry: ZipEntryInfo): StorageSource {
  let dataStart: number | undefined;
  const locate = async (): Promise<number> => {
    if (dataStart !== undefined) return dataStart;
    const header = await readFileRange(file, entry.localHeaderOffset, 30);
    const view = new DataView(header.buffer, header.byteOffset, 30);
    if (view.getUint32(0, true) !== 0x04034b50) {
      throw new CheckpointError(file.path, `zip entry '${entry.name}': bad local header signature`);
    }
    dataStart = entry.localHeaderOffset + 30 + view.getUint16(26, true) + view.getUint16(28, true);
    if (dataStart + entry.compressedSize > file.size) {
      throw new CheckpointError(file.path, `zip entry '${entry.name}' runs past the end of the file (truncated?)`);
    }
    return dataStart;
  };
  return {
    byteLength: entry.uncompressedSize,
    async read(offset, length) {
      const start = await locate();
      if (entry.method === 0) return readFileRange(file, start + offset, length);
      const packed = await readFileRange(file, start, entry.compressedSize);
      let plain: Buffer;
      try {
        plain = inflateRawSync(packed, { maxOutputLength: Math.max(entry.uncompressedSize, 1) });
      } catch (error) {
        throw new CheckpointError(file.path, `zip entry '${entry.name}': ${(error as Error).message}`);
      }
      if (plain.length !== entry.uncompressedSize) {
        throw new CheckpointError(file.path, `zip entry '${entry.name}' inflates to ${plain.length} bytes, expected ${entry.uncompressedSize}`);
      }
      return new Uint8Array(plain.buffer.slice(plain.byteOffset + offset, plain.byteOffset + offset + length));
    },
  };
}

export async function readTorchZip(file: FileSnapshot, recordClasses: readonly string[]): Promise<ParsedTorchFile> {
  const listing = await listEntries(file);
  const { entries, zip } = listing;
  try {
    const pickles = [...entries.keys()].filter((name) => name === 'data.pkl' || name.endsWith('/data.pkl'));
    const names = [...entries.keys()];
    if (pickles.length === 0 && names.length === 1 && /\.(pth|pt|pth\.tar|bin)$/.test(names[0]!)) {
      throw new CheckpointError(file.path, `a zip archive around '${names[0]}', not a PyTorch checkpoint itself: unzip it first`);
    }
    if (pickles.length !== 1) {
      const sample = [...entries.keys()].slice(0, 5).join(', ');
      throw new CheckpointError(
        file.path,
        pickles.length === 0
          ? `zip archive without a data.pkl entry: not a PyTorch checkpoint (entries: ${sample}${entries.size > 5 ? ', ...' : ''})`
          : `zip archive with several data.pkl entries (${pickles.join(', ')})`,
      );
    }
    const prefix = pickles[0]!.slice(0, -'data.pkl'.length);
    for (const entry of entries.values()) {
      if (entry.method !== 0 && entry.method !== 8) {
        throw new CheckpointError(file.path, `zip entry '${entry.name}' uses compression method ${entry.method}`);
      }
    }
    let littleEndian = true;
    if (entries.has(`${prefix}byteorder`)) {
      const order = new TextDecoder().decode(await readWholeEntry(listing, file, `${prefix}byteorder`)).trim();
      if (order !== 'little' && order !== 'big') throw new CheckpointError(file.path, `unknown byteorder '${order}'`);
      littleEndian = order === 'little';
    }
    const pickle = await readWholeEntry(listing, file, `${prefix}data.pkl`);
    const storages = new Map<string, Storage>();
    const persistentLoad = (pid: PickleValue): PickleValue => {
      if (!Array.isArray(pid) || pid.length < 5 || pid[0] !== 'storage') {
        throw new CheckpointError(file.path, 'unsupported persistent id in data.pkl (expected a storage reference)');
      }
      const [, type, key, location, numel] = pid;
      const dtype = storageDType(type);
      if (dtype === undefined) throw new CheckpointError(file.path, 'persistent id names an unknown storage type');
      if (typeof key !== 'string' || typeof location !== 'string' || typeof numel !== 'number') {
        throw new CheckpointError(file.path, 'malformed storage reference in data.pkl');
      }
      const cacheKey = `${key}:${dtype}`;
      const cached = storages.get(cacheKey);
      if (cached !== undefined) return cached;
      const entry = entries.get(`${prefix}data/${key}`);
      if (entry === undefined) throw new CheckpointError(file.path, `storage '${key}' has no zip entry '${prefix}data/${key}'`);
      const storage = new Storage({ path: file.path, key, dtype, numel, location, littleEndian, source: entrySource(file, entry) });
      storages.set(cacheKey, storage);
      return storage;
    };
    const registry = makeRegistry(file.path, recordClasses);
    const { value, globals } = unpickle(new BufferInput(pickle), { path: file.path, registry, persistentLoad });
    return { root: value, globals, storages: [...storages.values()], littleEndian, archivePrefix: prefix };
  } finally {
    zip.close();
  }
}
