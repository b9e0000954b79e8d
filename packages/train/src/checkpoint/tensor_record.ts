// SPDX-License-Identifier: MIT
// A tensor as stored in a checkpoint: dtype, shape, stride and offset into a lazy storage. Its geometry is
// validated against the storage when the record is made, so a hostile shape fails before anything is allocated.
import { bfloat16ToFloat, halfToFloat, isFloatDType, itemSize, type DType } from './dtype.js';
import { CheckpointError } from './errors.js';
import type { Storage } from './storage.js';

export type TypedArrayFor = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export interface TensorInit {
  storage: Storage;
  storageOffset: number;
  shape: readonly number[];
  /** Element strides; default: contiguous (row-major) for `shape`. */
  stride?: readonly number[];
  requiresGrad?: boolean;
  /** What the tensor is called in its file, for error messages. */
  name?: string;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function contiguousStride(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    stride[i] = step;
    step *= Math.max(shape[i]!, 1);
  }
  return stride;
}

function isCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

export class TensorRecord {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
  readonly storageOffset: number;
  readonly numel: number;
  readonly requiresGrad: boolean;
  readonly storage: Storage;

  constructor(init: TensorInit) {
    const { storage } = init;
    const what = `tensor${init.name === undefined ? '' : ` '${init.name}'`} on storage '${storage.key}'`;
    const fail = (problem: string): never => {
      throw new CheckpointError(storage.path, `${what}: ${problem}`);
    };
    const shape = [...init.shape];
    const stride = init.stride === undefined ? contiguousStride(shape) : [...init.stride];
    if (!shape.every(isCount)) fail(`invalid shape [${shape.join(', ')}]`);
    if (!stride.every(isCount)) fail(`invalid stride [${stride.join(', ')}]`);
    if (stride.length !== shape.length) fail(`stride [${stride.join(', ')}] does not match shape [${shape.join(', ')}]`);
    if (!isCount(init.storageOffset)) fail(`invalid storage offset ${init.storageOffset}`);
    // numel and the last element touched, with overflow checks: a 2^40-element claim stops here.
    let numel = 1;
    let last = init.storageOffset;
    for (let i = 0; i < shape.length; i++) {
      numel *= shape[i]!;
      last += (shape[i]! - 1) * stride[i]!;
      if (!Number.isSafeInteger(numel) || !Number.isSafeInteger(last)) fail(`shape [${shape.join(', ')}] is too large`);
    }
    if (numel > 0 && last >= storage.numel) {
      fail(
        `shape [${shape.join(', ')}] (${numel} elements) with stride [${stride.join(', ')}] and offset ` +
          `${init.storageOffset} needs ${last + 1} elements but the storage holds ${storage.numel}`,
      );
    }
    this.dtype = storage.dtype;
    this.shape = Object.freeze(shape);
    this.stride = Object.freeze(stride);
    this.storageOffset = init.storageOffset;
    this.numel = numel;
    this.requiresGrad = init.requiresGrad ?? false;
    this.storage = storage;
  }

  get byteLength(): number {
    return this.numel * itemSize(this.dtype);
  }

  isContiguous(): boolean {
    const expected = contiguousStride(this.shape);
    return this.shape.every((n, i) => n <= 1 || this.stride[i] === expected[i]);
  }

  /** Row-major little-endian element bytes (host order), read from the storage now. */
  async bytes(): Promise<Uint8Array> {
    const size = itemSize(this.dtype);
    if (this.numel === 0) return new Uint8Array(0);
    let span = 1;
    for (let i = 0; i < this.shape.length; i++) span += (this.shape[i]! - 1) * this.stride[i]!;
    const raw = await this.storage.readElements(this.storageOffset, span);
    let out: Uint8Array;
    if (this.isContiguous()) {
      out = raw.byteOffset % 8 === 0 ? raw : raw.slice();
    } else {
      out = gather(raw, this.shape, this.stride, size);
    }
    if (size > 1 && this.storage.littleEndian !== HOST_LITTLE_ENDIAN) swapInPlace(out, size);
    return out;
  }

  /** The natural typed array: float16/bfloat16 widen to float32, bool reads as 0/1 bytes. */
  async toTypedArray(): Promise<TypedArrayFor> {
    const bytes = await this.bytes();
    const { buffer, byteOffset } = bytes;
    const n = this.numel;
    switch (this.dtype) {
      case 'float32': return new Float32Array(buffer, byteOffset, n);
      case 'float64': return new Float64Array(buffer, byteOffset, n);
      case 'float16': return widen(new Uint16Array(buffer, byteOffset, n), halfToFloat);
      case 'bfloat16': return widen(new Uint16Array(buffer, byteOffset, n), bfloat16ToFloat);
      case 'int64': return new BigInt64Array(buffer, byteOffset, n);
      case 'int32': return new Int32Array(buffer, byteOffset, n);
      case 'int16': return new Int16Array(buffer, byteOffset, n);
      case 'int8': return new Int8Array(buffer, byteOffset, n);
      case 'uint8':
      case 'bool': return new Uint8Array(buffer, byteOffset, n);
    }
  }

  /** Values as float32 (any dtype; float64 and large int64 values round). */
  async toFloat32(): Promise<Float32Array> {
    const data = await this.toTypedArray();
    if (data instanceof Float32Array) return data;
    const out = new Float32Array(data.length);
    if (data instanceof BigInt64Array) {
      for (let i = 0; i < data.length; i++) out[i] = Number(data[i]!);
    } else {
      out.set(data);
    }
    return out;
  }

  /** Values of an integer or bool tensor as int32; int64 values outside the int32 range are an error. */
  async toInt32(): Promise<Int32Array> {
    if (isFloatDType(this.dtype)) throw new CheckpointError(this.storage.path, `toInt32() on a ${this.dtype} tensor`);
    const data = await this.toTypedArray();
    if (data instanceof Int32Array) return data;
    const out = new Int32Array(data.length);
    if (data instanceof BigInt64Array) {
      for (let i = 0; i < data.length; i++) {
        const v = data[i]!;
        if (v > 2147483647n || v < -2147483648n) {
          throw new CheckpointError(this.storage.path, `int64 value ${v} at index ${i} does not fit in int32`);
        }
        out[i] = Number(v);
      }
    } else {
      out.set(data as Exclude<TypedArrayFor, BigInt64Array | Float32Array | Float64Array>);
    }
    return out;
  }

  /** Values of an integer or bool tensor as int64. */
  async toBigInt64(): Promise<BigInt64Array> {
    if (isFloatDType(this.dtype)) throw new CheckpointError(this.storage.path, `toBigInt64() on a ${this.dtype} tensor`);
    const data = await this.toTypedArray();
    if (data instanceof BigInt64Array) return data;
    const out = new BigInt64Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = BigInt(data[i] as number);
    return out;
  }
}

function widen(bits: Uint16Array, convert: (b: number) => number): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = convert(bits[i]!);
  return out;
}

/** Copies a strided view (element offsets relative to `raw`'s start) into row-major order. */
function gather(raw: Uint8Array, shape: readonly number[], stride: readonly number[], size: number): Uint8Array {
  const rank = shape.length;
  const numel = shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(numel * size);
  const index = new Array<number>(rank).fill(0);
  const innerLength = shape[rank - 1]!;
  const innerStride = stride[rank - 1]!;
  let source = 0;
  let target = 0;
  for (let done = 0; done < numel; done += innerLength) {
    if (innerStride === 1) {
      out.set(raw.subarray(source * size, (source + innerLength) * size), target);
      target += innerLength * size;
    } else {
      for (let j = 0; j < innerLength; j++) {
        const from = (source + j * innerStride) * size;
        for (let b = 0; b < size; b++) out[target++] = raw[from + b]!;
      }
    }
    // Advance the outer multi-index (odometer style).
    for (let axis = rank - 2; axis >= 0; axis--) {
      index[axis]!++;
      source += stride[axis]!;
      if (index[axis]! < shape[axis]!) break;
      source -= index[axis]! * stride[axis]!;
      index[axis] = 0;
    }
  }
  return out;
}

function swapInPlace(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}
