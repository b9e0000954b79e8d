// SPDX-License-Identifier: MIT
// The central directory of a zip archive (zip64 included), read from a byte source with a few ranged reads, and
// entry data located through each local header. Every size and offset is checked against the source's length
// before anything is allocated, so a hostile directory cannot make us read or allocate more than the file holds.
import { inflateSync } from 'fflate';
import { readExactly, type ByteSource } from '../io/byte_source.js';
import { CheckpointError } from './errors.js';

export interface ZipEntry {
  name: string;
  /** 0 (stored) or 8 (deflated); others are refused by the caller. */
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
  /** Bytes of the name in the central directory (the local header must repeat them). */
  nameLength: number;
  /** General purpose flags (bit 3: sizes in a data descriptor, so the local header may hold zeros). */
  flags: number;
  /** Where the next entry (or the central directory) starts: this entry's header and data must end by then. */
  spanEnd: number;
}

const EOCD = 0x06054b50;
const EOCD_SIZE = 22;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;
/** A checkpoint's directory lists a few entries per tensor; a gigabyte of directory is not one. */
const MAX_DIRECTORY_BYTES = 1 << 30;
/** Deflate cannot expand data more than 1032:1; an entry claiming more is lying about its size. */
const MAX_DEFLATE_RATIO = 1032;

const view = (bytes: Uint8Array): DataView => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function u64(data: DataView, at: number): number {
  const value = data.getBigUint64(at, true);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(value);
}

interface Directory {
  offset: number;
  size: number;
  entries: number;
}

/** Finds the end-of-central-directory record (and its zip64 twin) in the last 64 kB. */
async function findDirectory(source: ByteSource): Promise<Directory> {
  const unreadable = (why: string): never => {
    throw new CheckpointError(source.name, `not a readable zip archive (truncated or corrupt?): ${why}`);
  };
  const tailStart = Math.max(0, source.byteLength - EOCD_SIZE - MAX_COMMENT);
  const tail = await readExactly(source, tailStart, source.byteLength - tailStart);
  const data = view(tail);
  let at = -1;
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (data.getUint32(i, true) === EOCD && i + EOCD_SIZE + data.getUint16(i + 20, true) <= tail.length) {
      at = i;
      break;
    }
  }
  if (at < 0) unreadable('end of central directory record not found');
  const eocdOffset = tailStart + at;
  let directory: Directory = { entries: data.getUint16(at + 10, true), size: data.getUint32(at + 12, true), offset: data.getUint32(at + 16, true) };
  let directoryEnd = eocdOffset;
  if (directory.entries === 0xffff || directory.size === 0xffffffff || directory.offset === 0xffffffff) {
    if (eocdOffset < 20) unreadable('zip64 end of central directory locator missing');
    const locator = view(await readExactly(source, eocdOffset - 20, 20));
    if (locator.getUint32(0, true) !== ZIP64_LOCATOR) unreadable('zip64 end of central directory locator missing');
    const recordOffset = u64(locator, 8);
    if (recordOffset + 56 > eocdOffset - 20) unreadable(`zip64 end of central directory record at ${recordOffset} lies outside the file`);
    const record = view(await readExactly(source, recordOffset, 56));
    if (record.getUint32(0, true) !== ZIP64_EOCD) unreadable('bad zip64 end of central directory signature');
    directory = { entries: u64(record, 32), size: u64(record, 40), offset: u64(record, 48) };
    directoryEnd = recordOffset;
  }
  if (directory.offset + directory.size > directoryEnd) {
    unreadable(`central directory (${directory.size} bytes at ${directory.offset}) runs past its end record at ${directoryEnd}`);
  }
  if (directory.size > MAX_DIRECTORY_BYTES || directory.entries * 46 > directory.size) {
    unreadable(`central directory of ${directory.size} bytes cannot hold ${directory.entries} entries`);
  }
  return directory;
}

/** Reads the zip64 extra field (id 1): the 64-bit values of the fields whose 32-bit slot says 0xffffffff. */
function applyZip64(extra: DataView, entry: ZipEntry, fail: (problem: string) => never): void {
  for (let at = 0; at + 4 <= extra.byteLength;) {
    const id = extra.getUint16(at, true);
    const size = extra.getUint16(at + 2, true);
    if (at + 4 + size > extra.byteLength) fail(`entry '${entry.name}' has a truncated extra field`);
    if (id === 1) {
      let field = at + 4;
      const next = (): number => {
        if (field + 8 > at + 4 + size) fail(`entry '${entry.name}' has a short zip64 extra field`);
        const value = u64(extra, field);
        field += 8;
        return value;
      };
      if (entry.uncompressedSize === 0xffffffff) entry.uncompressedSize = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next();
      return;
    }
    at += 4 + size;
  }
}

/**
 * Runs `read`, turning anything but our own errors (a DataView RangeError on a hostile offset, fflate's errors)
 * into a CheckpointError naming the file, so no dependency's failure escapes untyped.
 */
async function guarded<T>(source: ByteSource, what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof CheckpointError || !(error instanceof Error)) throw error;
    throw new CheckpointError(source.name, `${what}: ${error.message}`);
  }
}

/** Every entry of the archive, by name; entries are checked not to overlap one another or the directory. */
export function readZipDirectory(source: ByteSource): Promise<Map<string, ZipEntry>> {
  return guarded(source, 'not a readable zip archive', () => parseDirectory(source));
}

async function parseDirectory(source: ByteSource): Promise<Map<string, ZipEntry>> {
  const directory = await findDirectory(source);
  const fail = (problem: string): never => {
    throw new CheckpointError(source.name, `corrupt zip central directory: ${problem}`);
  };
  const bytes = await readExactly(source, directory.offset, directory.size);
  const data = view(bytes);
  const names = new TextDecoder();
  const entries = new Map<string, ZipEntry>();
  const minimalEnds = new Map<ZipEntry, number>();
  let at = 0;
  for (let i = 0; i < directory.entries; i++) {
    if (at + 46 > bytes.length || data.getUint32(at, true) !== CENTRAL) fail(`entry ${i} has no central header at ${directory.offset + at}`);
    const flags = data.getUint16(at + 8, true);
    const nameLength = data.getUint16(at + 28, true);
    const extraLength = data.getUint16(at + 30, true);
    const commentLength = data.getUint16(at + 32, true);
    const end = at + 46 + nameLength + extraLength + commentLength;
    if (end > bytes.length) fail(`entry ${i} runs past the central directory`);
    const entry: ZipEntry = {
      name: names.decode(bytes.subarray(at + 46, at + 46 + nameLength)),
      method: data.getUint16(at + 10, true),
      compressedSize: data.getUint32(at + 20, true),
      uncompressedSize: data.getUint32(at + 24, true),
      localHeaderOffset: data.getUint32(at + 42, true),
      nameLength,
      flags,
      spanEnd: directory.offset,
    };
    if ((flags & 1) !== 0) throw new CheckpointError(source.name, `zip entry '${entry.name}' is encrypted`);
    applyZip64(view(bytes.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength)), entry, fail);
    if (entry.localHeaderOffset + 30 + entry.compressedSize > directory.offset) fail(`entry '${entry.name}' lies outside the file's data`);
    if (entry.method === 0 && entry.compressedSize !== entry.uncompressedSize) {
      fail(`stored entry '${entry.name}' has compressed size ${entry.compressedSize} but uncompressed size ${entry.uncompressedSize}`);
    }
    if (entry.method === 8 && entry.uncompressedSize > entry.compressedSize * MAX_DEFLATE_RATIO + 1024) {
      fail(`deflated entry '${entry.name}' claims ${entry.uncompressedSize} bytes from ${entry.compressedSize}, more than deflate can expand`);
    }
    if (entries.has(entry.name)) fail(`entry '${entry.name}' is listed twice`);
    entries.set(entry.name, entry);
    minimalEnds.set(entry, entry.localHeaderOffset + 30 + nameLength + entry.compressedSize);
    at = end;
  }
  checkNoOverlaps(minimalEnds, fail);
  return entries;
}

/** Sorted by header offset, each entry (header, name, data) must end before the next begins. */
function checkNoOverlaps(minimalEnds: Map<ZipEntry, number>, fail: (problem: string) => never): void {
  const sorted = [...minimalEnds.keys()].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (let i = 0; i + 1 < sorted.length; i++) {
    const entry = sorted[i]!;
    const next = sorted[i + 1]!;
    if (minimalEnds.get(entry)! > next.localHeaderOffset) fail(`entries '${entry.name}' and '${next.name}' overlap`);
    entry.spanEnd = next.localHeaderOffset;
  }
}

/**
 * Where an entry's data starts, from its local header, which must agree with the central directory (name, method,
 * sizes unless deferred to a data descriptor) and, with its data, end before the next entry.
 */
export function entryDataStart(source: ByteSource, entry: ZipEntry): Promise<number> {
  return guarded(source, `zip entry '${entry.name}'`, async () => {
    const fail = (problem: string): never => {
      throw new CheckpointError(source.name, `zip entry '${entry.name}': ${problem}`);
    };
    // The header and the name the directory expects, in one read.
    const headerBytes = 30 + entry.nameLength;
    if (entry.localHeaderOffset + headerBytes > source.byteLength) fail('local header lies past the end of the file (truncated?)');
    const bytes = await readExactly(source, entry.localHeaderOffset, headerBytes);
    const header = view(bytes);
    if (header.getUint32(0, true) !== LOCAL) fail('bad local header signature');
    const nameLength = header.getUint16(26, true);
    const start = entry.localHeaderOffset + 30 + nameLength + header.getUint16(28, true);
    if (start + entry.compressedSize > source.byteLength) fail('runs past the end of the file (truncated?)');
    const localName = new TextDecoder().decode(bytes.subarray(30, 30 + Math.min(nameLength, entry.nameLength)));
    if (nameLength !== entry.nameLength || localName !== entry.name) {
      fail(`its local header names '${localName}' (a directory entry pointing at another entry?)`);
    }
    if (header.getUint16(8, true) !== entry.method) fail(`local header says compression method ${header.getUint16(8, true)}, the directory ${entry.method}`);
    const sized = (entry.flags & 8) === 0;
    const localCompressed = header.getUint32(18, true);
    const localPlain = header.getUint32(22, true);
    if (sized && localCompressed !== 0xffffffff && (localCompressed !== entry.compressedSize || localPlain !== entry.uncompressedSize)) {
      fail(`local header sizes ${localCompressed}/${localPlain} disagree with the directory's ${entry.compressedSize}/${entry.uncompressedSize}`);
    }
    if (start + entry.compressedSize > entry.spanEnd) fail('its data runs into the next entry');
    return start;
  });
}

/** An entry's whole uncompressed data (stored or deflated). */
export async function readZipEntry(source: ByteSource, entry: ZipEntry, dataStart?: number): Promise<Uint8Array> {
  const start = dataStart ?? (await entryDataStart(source, entry));
  const packed = await readExactly(source, start, entry.compressedSize);
  if (entry.method === 0) return packed;
  let plain: Uint8Array;
  try {
    // One spare byte: fflate stops at the end of `out`, so a longer stream shows up as a full buffer.
    plain = inflateSync(packed, { out: new Uint8Array(entry.uncompressedSize + 1) });
  } catch (error) {
    throw new CheckpointError(source.name, `zip entry '${entry.name}': ${(error as Error).message}`);
  }
  if (plain.length !== entry.uncompressedSize) {
    const got = plain.length > entry.uncompressedSize ? `more than ${entry.uncompressedSize}` : String(plain.length);
    throw new CheckpointError(source.name, `zip entry '${entry.name}' inflates to ${got} bytes, expected ${entry.uncompressedSize}`);
  }
  return plain;
}
