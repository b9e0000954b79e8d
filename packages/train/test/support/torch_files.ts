// SPDX-License-Identifier: MIT
// Hand-built torch checkpoint bytes for tests: a tiny pickle writer (the opcodes torch.save emits at protocol 2),
// the zip container (stored or deflated entries) and the legacy container. No torch needed.
import { crc32, deflateRawSync } from 'node:zlib';

/** Appends pickle opcodes; method names follow pickletools. */
export class PickleWriter {
  private readonly out: number[] = [];

  raw(...bytes: number[]): this {
    this.out.push(...bytes);
    return this;
  }
  text(s: string): this {
    return this.raw(...Buffer.from(s, 'latin1'));
  }
  proto(n = 2): this {
    return this.raw(0x80, n);
  }
  global(module: string, name: string): this {
    return this.text(`c${module}\n${name}\n`);
  }
  mark(): this {
    return this.raw(0x28);
  }
  tuple(): this {
    return this.raw(0x74);
  }
  emptyTuple(): this {
    return this.raw(0x29);
  }
  emptyDict(): this {
    return this.raw(0x7d);
  }
  setitem(): this {
    return this.raw(0x73);
  }
  setitems(): this {
    return this.raw(0x75);
  }
  reduce(): this {
    return this.raw(0x52);
  }
  binpersid(): this {
    return this.raw(0x51);
  }
  none(): this {
    return this.raw(0x4e);
  }
  bool(v: boolean): this {
    return this.raw(v ? 0x88 : 0x89);
  }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.raw(0x4b, n);
    if (n < -(2 ** 31) || n >= 2 ** 31) return this.long(BigInt(n));
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return this.raw(0x4a, ...b);
  }
  /** LONG1 (any size). */
  long(n: bigint): this {
    const bytes: number[] = [];
    let v = n;
    for (;;) {
      bytes.push(Number(v & 0xffn));
      v >>= 8n;
      const sign = (bytes[bytes.length - 1]! & 0x80) !== 0;
      if ((v === 0n && !sign) || (v === -1n && sign)) break;
    }
    return this.raw(0x8a, bytes.length, ...bytes);
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    const n = Buffer.alloc(4);
    n.writeUInt32LE(b.length);
    return this.raw(0x58, ...n, ...b);
  }
  ints(values: readonly number[]): this {
    this.mark();
    for (const v of values) this.int(v);
    return this.tuple();
  }
  stop(): this {
    return this.raw(0x2e);
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

export interface TensorSpec {
  name: string;
  storageClass: string;
  key: string;
  /** Element count of the storage, as declared in the persistent id. */
  storageNumel: number;
  offset?: number;
  shape: readonly number[];
  stride: readonly number[];
  location?: string;
}

/** `OrderedDict(name -> _rebuild_tensor_v2(...))`, as torch.save writes a state_dict. Legacy adds a view slot. */
export function stateDictPickle(tensors: readonly TensorSpec[], legacy = false): Uint8Array {
  const w = new PickleWriter().proto(2).global('collections', 'OrderedDict').emptyTuple().reduce().mark();
  for (const t of tensors) {
    w.str(t.name).global('torch._utils', '_rebuild_tensor_v2').mark();
    w.mark().str('storage').global('torch', t.storageClass).str(t.key).str(t.location ?? 'cpu').int(t.storageNumel);
    if (legacy) w.none();
    w.tuple().binpersid();
    w.int(t.offset ?? 0).ints(t.shape).ints(t.stride).bool(false).global('collections', 'OrderedDict').emptyTuple().reduce();
    w.tuple().reduce();
  }
  return w.setitems().stop().bytes();
}

export interface ZipEntry {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
}

/** A plain zip (no zip64) with the given entries, in order. */
export function buildZip(entries: readonly ZipEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const body = e.deflate === true ? deflateRawSync(e.data) : Buffer.from(e.data);
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.deflate === true ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    parts.push(local, name, body);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(e.deflate === true ? 8 : 0, 10);
    dir.writeUInt32LE(crc, 16);
    dir.writeUInt32LE(body.length, 20);
    dir.writeUInt32LE(e.data.length, 24);
    dir.writeUInt16LE(name.length, 28);
    dir.writeUInt32LE(offset, 42);
    central.push(dir, name);
    offset += 30 + name.length + body.length;
  }
  const dirBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dirBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, dirBytes, end]);
}

/** A torch zip checkpoint: `<prefix>/data.pkl`, `<prefix>/data/<key>`, optional byteorder. */
export function torchZip(pickle: Uint8Array, storages: Record<string, Uint8Array>, opts: { prefix?: string; byteorder?: string; deflate?: boolean } = {}): Buffer {
  const prefix = opts.prefix ?? 'archive';
  const entries: ZipEntry[] = [{ name: `${prefix}/data.pkl`, data: pickle, deflate: opts.deflate === true }];
  if (opts.byteorder !== undefined) entries.push({ name: `${prefix}/byteorder`, data: Buffer.from(opts.byteorder) });
  for (const [key, data] of Object.entries(storages)) entries.push({ name: `${prefix}/data/${key}`, data, deflate: opts.deflate === true });
  entries.push({ name: `${prefix}/version`, data: Buffer.from('3\n') });
  return buildZip(entries);
}

/** Rewrites a plain zip's end record as zip64: a zip64 end record and locator, and 0xffff.. in the old record. */
export function toZip64(zip: Buffer): Buffer {
  const end = zip.length - 22;
  const entries = zip.readUInt16LE(end + 10);
  const size = zip.readUInt32LE(end + 12);
  const offset = zip.readUInt32LE(end + 16);
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(45, 12);
  record.writeUInt16LE(45, 14);
  record.writeBigUInt64LE(BigInt(entries), 24);
  record.writeBigUInt64LE(BigInt(entries), 32);
  record.writeBigUInt64LE(BigInt(size), 40);
  record.writeBigUInt64LE(BigInt(offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(end), 8);
  locator.writeUInt32LE(1, 16);
  const eocd = Buffer.from(zip.subarray(end));
  eocd.writeUInt16LE(0xffff, 8);
  eocd.writeUInt16LE(0xffff, 10);
  eocd.writeUInt32LE(0xffffffff, 12);
  eocd.writeUInt32LE(0xffffffff, 16);
  return Buffer.concat([zip.subarray(0, end), record, locator, eocd]);
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/** The legacy container: magic, protocol, sys info, the object pickle, the key list, then each storage. */
export function legacyFile(pickle: Uint8Array, storages: readonly { key: string; numel: number; data: Uint8Array }[]): Buffer {
  const magic = new PickleWriter().proto(2).long(LEGACY_MAGIC).stop().bytes();
  const protocol = new PickleWriter().proto(2).int(1001).stop().bytes();
  const sysInfo = new PickleWriter().proto(2).emptyDict().mark()
    .str('protocol_version').int(1001).str('little_endian').bool(true)
    .str('type_sizes').emptyDict().mark().str('short').int(2).str('int').int(4).str('long').int(4).setitems()
    .setitems().stop().bytes();
  const keys = new PickleWriter().proto(2).raw(0x5d).mark();
  for (const s of storages) keys.str(s.key);
  const keyList = keys.raw(0x65).stop().bytes();
  const body: Buffer[] = [];
  for (const s of storages) {
    const n = Buffer.alloc(8);
    n.writeBigInt64LE(BigInt(s.numel));
    body.push(n, Buffer.from(s.data));
  }
  return Buffer.concat([magic, protocol, sysInfo, pickle, keyList, ...body]);
}

export function f32Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

export function i64Bytes(values: readonly bigint[]): Uint8Array {
  return new Uint8Array(new BigInt64Array(values).buffer);
}

export function u16Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(new Uint16Array(values).buffer);
}
