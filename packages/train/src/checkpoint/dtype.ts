// SPDX-License-Identifier: MIT
// Element types shared by the torch, safetensors and npy readers, and their decoding to JS numbers.

export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export const DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'];

const ITEM_SIZE: Record<DType, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

export function itemSize(dtype: DType): number {
  return ITEM_SIZE[dtype];
}

export function isFloatDType(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

/** torch storage class name (as pickled, `torch.<Name>`) -> element type. */
export const TORCH_STORAGE_DTYPES: ReadonlyMap<string, DType> = new Map<string, DType>([
  ['FloatStorage', 'float32'], ['DoubleStorage', 'float64'], ['HalfStorage', 'float16'],
  ['BFloat16Storage', 'bfloat16'], ['LongStorage', 'int64'], ['IntStorage', 'int32'], ['ShortStorage', 'int16'],
  ['CharStorage', 'int8'], ['ByteStorage', 'uint8'], ['BoolStorage', 'bool'],
  // Untyped storages (torch >= 2 when a bare storage is saved) are bytes.
  ['UntypedStorage', 'uint8'],
]);

/** torch dtype attribute names (`torch.float16` pickled as a global) -> element type, where we support it. */
export const TORCH_DTYPE_NAMES: ReadonlyMap<string, DType> = new Map<string, DType>([
  ['float32', 'float32'], ['float', 'float32'], ['float64', 'float64'], ['double', 'float64'], ['float16', 'float16'],
  ['half', 'float16'], ['bfloat16', 'bfloat16'], ['int64', 'int64'], ['long', 'int64'], ['int32', 'int32'],
  ['int', 'int32'], ['int16', 'int16'], ['short', 'int16'], ['int8', 'int8'], ['uint8', 'uint8'], ['bool', 'bool'],
]);

export const SAFETENSORS_DTYPES: ReadonlyMap<string, DType> = new Map<string, DType>([
  ['F32', 'float32'], ['F64', 'float64'], ['F16', 'float16'], ['BF16', 'bfloat16'], ['I64', 'int64'],
  ['I32', 'int32'], ['I16', 'int16'], ['I8', 'int8'], ['U8', 'uint8'], ['BOOL', 'bool'],
]);

export function safetensorsName(dtype: DType): string {
  for (const [name, d] of SAFETENSORS_DTYPES) if (d === dtype) return name;
  throw new Error(`no safetensors name for ${dtype}`);
}

// float16 -> float32 via bit manipulation: exact for normals, subnormals, infinities and NaN.
const f32Bits = new Uint32Array(1);
const f32View = new Float32Array(f32Bits.buffer);

export function halfToFloat(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >> 10) & 0x1f;
  let mantissa = h & 0x3ff;
  if (exponent === 0) {
    if (mantissa === 0) {
      f32Bits[0] = sign;
    } else {
      // Subnormal half: renormalise into a float32 normal.
      let e = -1;
      do {
        e++;
        mantissa <<= 1;
      } while ((mantissa & 0x400) === 0);
      f32Bits[0] = sign | ((127 - 15 - e) << 23) | ((mantissa & 0x3ff) << 13);
    }
  } else if (exponent === 0x1f) {
    f32Bits[0] = sign | 0x7f800000 | (mantissa << 13);
  } else {
    f32Bits[0] = sign | ((exponent - 15 + 127) << 23) | (mantissa << 13);
  }
  return f32View[0]!;
}

export function bfloat16ToFloat(b: number): number {
  f32Bits[0] = (b & 0xffff) << 16;
  return f32View[0]!;
}

/** float32 -> float16 bits, round to nearest even (used by writers and tests). */
export function floatToHalf(value: number): number {
  f32View[0] = value;
  const x = f32Bits[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mantissa | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
  return sign | half;
}
