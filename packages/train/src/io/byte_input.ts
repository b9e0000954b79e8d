// SPDX-License-Identifier: MIT
// Sequential byte sources for the unpickler: an in-memory buffer (zip `data.pkl`) or a window of an open file
// (the legacy container, whose pickles are followed by raw storages). Reads never go past the declared end, so a
// hostile length field cannot make us allocate more than the input holds.
import { readSync } from 'node:fs';

/** Thrown when a read would pass the end of the input; callers turn it into a CheckpointError. */
export class EndOfInput extends Error {
  override readonly name = 'EndOfInput';
}

export interface ByteInput {
  /** Bytes consumed so far (relative to the input's start). */
  readonly position: number;
  /** Bytes left before the end of the input. */
  remaining(): number;
  byte(): number;
  bytes(count: number): Uint8Array;
  /** Bytes up to the next `\n` (consumed, not returned). */
  line(): Uint8Array;
}

export class BufferInput implements ByteInput {
  position = 0;
  private readonly data: Uint8Array;

  constructor(data: Uint8Array) {
    // A plain view even for a Buffer, whose slice() would share memory instead of copying.
    this.data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }

  remaining(): number {
    return this.data.length - this.position;
  }

  byte(): number {
    if (this.position >= this.data.length) throw new EndOfInput('unexpected end of data');
    return this.data[this.position++]!;
  }

  bytes(count: number): Uint8Array {
    if (!Number.isSafeInteger(count) || count < 0 || count > this.remaining()) {
      throw new EndOfInput(`needs ${count} bytes at ${this.position}, only ${this.remaining()} left`);
    }
    const out = this.data.subarray(this.position, this.position + count);
    this.position += count;
    return out;
  }

  line(): Uint8Array {
    const end = this.data.indexOf(0x0a, this.position);
    if (end < 0) throw new EndOfInput(`unterminated line at ${this.position}`);
    const out = this.data.subarray(this.position, end);
    this.position = end + 1;
    return out;
  }
}

const CHUNK = 1 << 16;

/** Reads `[start, end)` of an open file descriptor through a small buffer. */
export class FileInput implements ByteInput {
  private buffer = new Uint8Array(CHUNK);
  private bufferStart = 0;
  private bufferEnd = 0;
  private offset: number;

  constructor(
    private readonly fd: number,
    private readonly start: number,
    private readonly end: number,
  ) {
    this.offset = start;
  }

  get position(): number {
    return this.offset - this.start;
  }

  remaining(): number {
    return this.end - this.offset;
  }

  private fill(): void {
    const want = Math.min(CHUNK, this.end - this.offset);
    if (want <= 0) throw new EndOfInput(`unexpected end of data at ${this.position}`);
    const got = readSync(this.fd, this.buffer, 0, want, this.offset);
    if (got <= 0) throw new EndOfInput(`unexpected end of file at ${this.offset}`);
    this.bufferStart = this.offset;
    this.bufferEnd = this.offset + got;
  }

  byte(): number {
    if (this.offset >= this.bufferEnd || this.offset < this.bufferStart) this.fill();
    return this.buffer[this.offset++ - this.bufferStart]!;
  }

  bytes(count: number): Uint8Array {
    if (!Number.isSafeInteger(count) || count < 0 || count > this.remaining()) {
      throw new EndOfInput(`needs ${count} bytes at ${this.position}, only ${this.remaining()} left`);
    }
    const out = new Uint8Array(count);
    let done = 0;
    while (done < count) {
      if (this.offset >= this.bufferEnd || this.offset < this.bufferStart) this.fill();
      const take = Math.min(count - done, this.bufferEnd - this.offset);
      out.set(this.buffer.subarray(this.offset - this.bufferStart, this.offset - this.bufferStart + take), done);
      done += take;
      this.offset += take;
    }
    return out;
  }

  line(): Uint8Array {
    const parts: Uint8Array[] = [];
    for (;;) {
      if (this.offset >= this.bufferEnd || this.offset < this.bufferStart) this.fill();
      const view = this.buffer.subarray(this.offset - this.bufferStart, this.bufferEnd - this.bufferStart);
      const newline = view.indexOf(0x0a);
      if (newline >= 0) {
        parts.push(view.slice(0, newline));
        this.offset += newline + 1;
        break;
      }
      parts.push(view.slice());
      this.offset += view.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
}
