// SPDX-License-Identifier: MIT
// numpy scalars as pickled by numpy (`scalar(dtype('f8'), b'...')`), decoded to JS numbers without numpy.
import { halfToFloat } from './dtype.js';
import { NumpyDType, type PickleValue } from './pickle_values.js';
import { toIntValue } from './pickle_text.js';

export function decodeNumpyScalar(dtype: PickleValue | undefined, data: PickleValue | undefined, fail: (p: string) => never): PickleValue {
  if (!(dtype instanceof NumpyDType)) return fail('expects a numpy.dtype');
  if (!(data instanceof Uint8Array)) return fail('expects the value as bytes');
  const match = /^([<>|=]?)([fiub])(\d)$/.exec(dtype.code);
  if (match === null) return fail(`unsupported numpy dtype '${dtype.code}'`);
  const [, order, kind, sizeText] = match;
  const size = Number(sizeText);
  if (data.length !== size) return fail(`dtype '${dtype.code}' needs ${size} bytes, got ${data.length}`);
  const bigEndian = (order || dtype.byteOrder) === '>';
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const le = !bigEndian;
  switch (`${kind}${size}`) {
    case 'f2': return halfToFloat(view.getUint16(0, le));
    case 'f4': return view.getFloat32(0, le);
    case 'f8': return view.getFloat64(0, le);
    case 'i1': return view.getInt8(0);
    case 'i2': return view.getInt16(0, le);
    case 'i4': return view.getInt32(0, le);
    case 'i8': return toIntValue(view.getBigInt64(0, le));
    case 'u1': return view.getUint8(0);
    case 'u2': return view.getUint16(0, le);
    case 'u4': return view.getUint32(0, le);
    case 'u8': return toIntValue(view.getBigUint64(0, le));
    case 'b1': return data[0] !== 0;
    default: return fail(`unsupported numpy dtype '${dtype.code}'`);
  }
}

/** BUILD on a numpy.dtype: state is `(version, byteorder, ...)`. */
export function buildNumpyDType(dtype: NumpyDType, state: PickleValue): boolean {
  if (!Array.isArray(state)) return false;
  const order = state[1];
  if (order === '<' || order === '>' || order === '|' || order === '=') dtype.byteOrder = order;
  return true;
}
