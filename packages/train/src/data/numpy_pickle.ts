// SPDX-License-Identifier: MIT
// numpy arrays inside data pickles (the CIFAR python batches): `_reconstruct(ndarray, (0,), b'b')` plus a BUILD
// with `(version, shape, dtype, is_fortran, raw bytes)`. These allow-list entries only build inert records; the
// bytes are decoded here, as plain data. They are given to the unpickler for dataset files only.
import { CheckpointError } from '../checkpoint/errors.js';
import { GlobalRegistry, type GlobalHandler } from '../checkpoint/pickle_globals.js';
import { NumpyDType, PyGlobal, PyRecord, type PickleValue } from '../checkpoint/pickle_values.js';

const reconstruct: GlobalHandler = {
  call: ([cls], fail) => {
    if (!(cls instanceof PyGlobal)) return fail('expects numpy.ndarray as its class');
    if (cls.qualifiedName !== 'numpy.ndarray') return fail(`builds ${cls.qualifiedName}, only numpy.ndarray is allowed`);
    return new PyRecord('numpy.ndarray');
  },
};

/** A GlobalRegistry that also admits numpy ndarrays (as inert records). */
export function numpyDataRegistry(): GlobalRegistry {
  const classOnly: GlobalHandler = {};
  return new GlobalRegistry([
    ['numpy.core.multiarray._reconstruct', reconstruct],
    ['numpy._core.multiarray._reconstruct', reconstruct],
    ['numpy.ndarray', classOnly],
  ]);
}

export interface NumpyArray {
  shape: number[];
  /** numpy type code without byte order (`u1`, `i8`, ...). */
  code: string;
  bytes: Uint8Array;
}

/** Raw bytes of a pickled string: Python 3 gives bytes; Python 2 `str` arrives as text (latin-1 or valid UTF-8). */
function rawBytes(value: PickleValue | undefined, expected: number): Uint8Array | null {
  if (value instanceof Uint8Array) return value;
  if (typeof value !== 'string') return null;
  if (value.length === expected && [...value].every((c) => c.charCodeAt(0) < 256)) return Uint8Array.from(value, (c) => c.charCodeAt(0));
  return new TextEncoder().encode(value);
}

const ITEM_SIZES: Record<string, number> = { u1: 1, i1: 1, b1: 1, u2: 2, i2: 2, u4: 4, i4: 4, u8: 8, i8: 8, f4: 4, f8: 8 };

/** Decodes a pickled ndarray record into shape, type and C-order bytes; `where` names it in errors. */
export function decodeNumpyArray(path: string, where: string, value: PickleValue | undefined): NumpyArray {
  const fail = (problem: string): never => {
    throw new CheckpointError(path, `${where}: ${problem}`);
  };
  if (!(value instanceof PyRecord) || value.className !== 'numpy.ndarray') return fail('is not a numpy array');
  const state = value.get('state');
  if (!Array.isArray(state) || state.length !== 5) return fail('numpy array state is not (version, shape, dtype, fortran, data)');
  const [, shapeValue, dtype, fortran, data] = state;
  if (!Array.isArray(shapeValue) || !shapeValue.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) return fail('bad shape');
  if (!(dtype instanceof NumpyDType)) return fail('dtype is not a numpy.dtype');
  const match = /^[<>|=]?([uifb]\d)$/.exec(dtype.code);
  const code = match?.[1];
  if (code === undefined || ITEM_SIZES[code] === undefined) return fail(`unsupported dtype '${dtype.code}'`);
  if (ITEM_SIZES[code] > 1 && dtype.byteOrder === '>') return fail('big-endian arrays are not supported');
  const shape = shapeValue as number[];
  const count = shape.reduce((a, b) => a * b, 1);
  if (fortran === true && shape.filter((d) => d > 1).length > 1) return fail('Fortran-order arrays are not supported');
  const bytes = rawBytes(data, count * ITEM_SIZES[code]);
  if (bytes === null) return fail('array data is not a byte string');
  if (bytes.length !== count * ITEM_SIZES[code]) return fail(`shape [${shape.join(', ')}] of ${code} needs ${count * ITEM_SIZES[code]} bytes, the pickle holds ${bytes.length}`);
  return { shape, code, bytes };
}
