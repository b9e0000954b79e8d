// SPDX-License-Identifier: MIT
// What the data-only unpickler produces. Python containers map to JS ones (list and tuple -> array, dict ->
// Map, set -> Set); the few allowed classes become inert records. Nothing here has behaviour beyond storage.
import type { Storage } from './storage.js';
import type { TensorRecord } from './tensor_record.js';

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | PickleDict
  | Set<PickleValue>
  | TensorRecord
  | Storage
  | PyRecord
  | PySlice
  | PyComplex
  | PyGlobal
  | NumpyDType;

export type PickleDict = Map<PickleValue, PickleValue>;

/** `collections.OrderedDict`; `attributes` holds what BUILD set (torch state_dicts carry `_metadata`). */
export class PyOrderedDict extends Map<PickleValue, PickleValue> {
  readonly attributes = new Map<string, PickleValue>();
}

/** An instance of an allow-listed plain-data class (argparse.Namespace, types.SimpleNamespace, ...). */
export class PyRecord {
  /** Attributes set by BUILD / keyword arguments, in pickle order. */
  readonly fields = new Map<string, PickleValue>();
  /** Positional arguments it was created with (usually none). */
  readonly args: PickleValue[];
  constructor(
    readonly className: string,
    args: PickleValue[] = [],
  ) {
    this.args = args;
  }

  get(name: string): PickleValue | undefined {
    return this.fields.get(name);
  }
}

export class PySlice {
  constructor(
    readonly start: PickleValue,
    readonly stop: PickleValue,
    readonly step: PickleValue,
  ) {}
}

export class PyComplex {
  constructor(
    readonly re: number,
    readonly im: number,
  ) {}
}

/** An allow-listed global as it sits on the stack before it is called (`module.name`). */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}

  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** `numpy.dtype(...)`; only what numpy scalars need to be decoded. */
export class NumpyDType {
  byteOrder: '<' | '>' | '|' | '=' = '=';
  constructor(readonly code: string) {}
}

export function isDict(value: unknown): value is PickleDict {
  return value instanceof Map;
}

/** Items of a dict with string keys as [key, value] pairs (non-string keys are skipped). */
export function stringEntries(dict: PickleDict): [string, PickleValue][] {
  const out: [string, PickleValue][] = [];
  for (const [k, v] of dict) if (typeof k === 'string') out.push([k, v]);
  return out;
}
