// SPDX-License-Identifier: MIT
// A pickle writer for plain data at protocol 2 (what torch.save emits by default): None, bools, ints, floats,
// strings, lists, tuples, dicts, globals and persistent ids. It writes no memo, so every value is written once.

const OP = {
  PROTO: 0x80, STOP: 0x2e, MARK: 0x28, NONE: 0x4e, NEWTRUE: 0x88, NEWFALSE: 0x89, BININT1: 0x4b, BININT: 0x4a,
  LONG1: 0x8a, BINFLOAT: 0x47, BINUNICODE: 0x58, EMPTY_TUPLE: 0x29, TUPLE: 0x74, EMPTY_LIST: 0x5d, APPENDS: 0x65,
  EMPTY_DICT: 0x7d, SETITEMS: 0x75, GLOBAL: 0x63, REDUCE: 0x52, BINPERSID: 0x51,
} as const;

/** Appends pickle opcodes to a growing buffer. */
export class PickleWriter {
  private buffer = new Uint8Array(1024);
  private length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const next = new Uint8Array(Math.max(this.buffer.length * 2, this.length + n));
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }

  op(...bytes: number[]): this {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  private append(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  proto(): this {
    return this.op(OP.PROTO, 2);
  }
  stop(): this {
    return this.op(OP.STOP);
  }
  mark(): this {
    return this.op(OP.MARK);
  }
  none(): this {
    return this.op(OP.NONE);
  }
  bool(value: boolean): this {
    return this.op(value ? OP.NEWTRUE : OP.NEWFALSE);
  }

  int(value: number | bigint): this {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new Error(`pickle: ${value} is not a safe integer`);
    const n = BigInt(value);
    if (n >= 0n && n < 256n) return this.op(OP.BININT1, Number(n));
    if (n >= -(2n ** 31n) && n < 2n ** 31n) {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setInt32(0, Number(n), true);
      return this.op(OP.BININT).append(b);
    }
    // LONG1: little-endian two's complement, as short as the sign allows.
    const bytes: number[] = [];
    let v = n;
    for (;;) {
      bytes.push(Number(v & 0xffn));
      v >>= 8n;
      const negative = (bytes[bytes.length - 1]! & 0x80) !== 0;
      if ((v === 0n && !negative) || (v === -1n && negative)) break;
    }
    return this.op(OP.LONG1, bytes.length, ...bytes);
  }

  float(value: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, value, false);
    return this.op(OP.BINFLOAT).append(b);
  }

  str(value: string): this {
    const b = new TextEncoder().encode(value);
    const n = new Uint8Array(4);
    new DataView(n.buffer).setUint32(0, b.length, true);
    return this.op(OP.BINUNICODE).append(n).append(b);
  }

  /** `module.name` pushed as a global (GLOBAL takes newline-terminated ASCII). */
  global(module: string, name: string): this {
    if (!/^[\w.]+$/.test(module) || !/^\w+$/.test(name)) throw new Error(`pickle: bad global ${module}.${name}`);
    return this.op(OP.GLOBAL).append(new TextEncoder().encode(`${module}\n${name}\n`));
  }

  /** A tuple of what `items` writes. */
  tuple(items: () => void): this {
    this.mark();
    items();
    return this.op(OP.TUPLE);
  }
  emptyTuple(): this {
    return this.op(OP.EMPTY_TUPLE);
  }
  /** A list; `items` writes the elements. */
  list(items: () => void): this {
    this.op(OP.EMPTY_LIST).mark();
    items();
    return this.op(OP.APPENDS);
  }
  /** Sets items on the dict on top of the stack; `items` writes key, value, key, value, ... */
  setItems(items: () => void): this {
    this.mark();
    items();
    return this.op(OP.SETITEMS);
  }
  emptyDict(): this {
    return this.op(OP.EMPTY_DICT);
  }
  reduce(): this {
    return this.op(OP.REDUCE);
  }
  persistentId(): this {
    return this.op(OP.BINPERSID);
  }

  bytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}
