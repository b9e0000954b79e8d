// SPDX-License-Identifier: MIT
// What a conversion reads: a checkpoint's bytes (any byte source) or a state_dict already in memory.
import type { StateDictLike } from '@natzoo/models/advanced';
import type { ByteSource } from '../io/byte_source.js';

export type ConvertInput = ByteSource | StateDictLike;

export function isByteSource(input: ConvertInput): input is ByteSource {
  return typeof (input as ByteSource).read === 'function' && typeof (input as ByteSource).byteLength === 'number';
}

/** How errors name the input: the source's name, or `state_dict` for one in memory. */
export function inputName(input: ConvertInput): string {
  return isByteSource(input) ? input.name : 'state_dict';
}
