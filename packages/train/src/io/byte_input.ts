// SPDX-License-Identifier: MIT
// Sequential input for the (synchronous) unpickler: an in-memory buffer, possibly only the first part of a longer
// source (the legacy container, whose pickles are followed by raw storages). Reads never go past the declared
// end, so a hostile length field cannot make us allocate more than the input holds.

/** Thrown when a read would pass the end of the input; callers turn it into a CheckpointError. */
export class EndOfInput extends Error {
  override readonly name = 'EndOfInput';
}

/** Thrown when a read passes the end of the buffered prefix but not of the source: read a longer prefix and retry. */
export class NeedMoreInput extends Error {
  override readonly name = 'NeedMoreInput';
  constructor(
    /** Bytes the prefix must hold at least (from the input's start). */
    readonly needed: number,
  ) {
    super(`needs the first ${needed} bytes`);
  }
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

  /**
   * @param data the bytes at hand
   * @param totalLength the length of the whole input when `data` is only its beginning; reads past `data` but
   *   inside `totalLength` throw NeedMoreInput
   */
  constructor(data: Uint8Array, private readonly totalLength = data.length) {
    // A plain view even for a Buffer, whose slice() would share memory instead of copying.
    this.data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }

  remaining(): number {
    return this.totalLength - this.position;
  }

  private need(end: number): void {
    if (end > this.data.length && end <= this.totalLength) throw new NeedMoreInput(end);
  }

  byte(): number {
    this.need(this.position + 1);
    if (this.position >= this.data.length) throw new EndOfInput('unexpected end of data');
    return this.data[this.position++]!;
  }

  bytes(count: number): Uint8Array {
    if (!Number.isSafeInteger(count) || count < 0 || count > this.remaining()) {
      throw new EndOfInput(`needs ${count} bytes at ${this.position}, only ${this.remaining()} left`);
    }
    this.need(this.position + count);
    const out = this.data.subarray(this.position, this.position + count);
    this.position += count;
    return out;
  }

  line(): Uint8Array {
    const end = this.data.indexOf(0x0a, this.position);
    if (end < 0) {
      this.need(this.data.length + 1);
      throw new EndOfInput(`unterminated line at ${this.position}`);
    }
    const out = this.data.subarray(this.position, end);
    this.position = end + 1;
    return out;
  }
}
