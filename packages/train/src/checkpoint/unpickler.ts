// SPDX-License-Identifier: MIT
// A data-only pickle reader (protocols 0-5). It interprets the opcodes as a stack machine over JS values;
// globals go through the GlobalRegistry allow-list and are never imported or executed.
import { EndOfInput, NeedMoreInput, type ByteInput } from '../io/byte_input.js';
import { CheckpointError } from './errors.js';
import { buildNumpyDType } from './numpy_scalar.js';
import type { GlobalRegistry } from './pickle_globals.js';
import {
  asciiText, decodeLong, decodeRawUnicodeEscape, MAX_LONG_BYTES, parseFloatLine, parseIntLine, parseReprString,
  py2Text, unicodeText,
} from './pickle_text.js';
import { NumpyDType, PyOrderedDict, PyRecord, type PickleValue } from './pickle_values.js';
import { TensorRecord } from './tensor_record.js';

export interface UnpickleOptions {
  /** File the pickle belongs to (error messages). */
  path: string;
  registry: GlobalRegistry;
  /** PERSID / BINPERSID: how torch refers to storages. Without it, persistent ids are refused. */
  persistentLoad?: (pid: PickleValue) => PickleValue;
}

/** Every global name the pickle referenced (for reports), filled by `unpickle`. */
export interface UnpickleResult {
  value: PickleValue;
  globals: Set<string>;
}

const OP_NAMES: Record<number, string> = { 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x97: 'NEXT_BUFFER' };

class Machine {
  stack: PickleValue[] = [];
  private readonly metastack: PickleValue[][] = [];
  readonly memo = new Map<number, PickleValue>();
  readonly globals = new Set<string>();

  constructor(
    private readonly input: ByteInput,
    private readonly opts: UnpickleOptions,
  ) {}

  fail(problem: string): never {
    throw new CheckpointError(this.opts.path, `pickle byte ${this.input.position}: ${problem}`);
  }

  /** Pushes onto the current stack (a method, so MARK-popping arguments are evaluated first). */
  push(value: PickleValue): void {
    this.stack.push(value);
  }

  pop(): PickleValue {
    if (this.stack.length === 0) this.fail('stack underflow (corrupt pickle)');
    return this.stack.pop()!;
  }

  top(): PickleValue {
    if (this.stack.length === 0) this.fail('stack underflow (corrupt pickle)');
    return this.stack[this.stack.length - 1]!;
  }

  mark(): void {
    this.metastack.push(this.stack);
    this.stack = [];
  }

  popMark(): PickleValue[] {
    const items = this.stack;
    const previous = this.metastack.pop();
    if (previous === undefined) this.fail('MARK expected but not found (corrupt pickle)');
    this.stack = previous;
    return items;
  }

  uint(bytes: number): number {
    const b = this.input.bytes(bytes);
    let value = 0;
    for (let i = bytes - 1; i >= 0; i--) value = value * 256 + b[i]!;
    if (!Number.isSafeInteger(value)) this.fail(`absurd length ${value}`);
    return value;
  }

  lineText(): string {
    return asciiText(this.input.line());
  }

  global(module: string, name: string): PickleValue {
    this.globals.add(`${module}.${name}`);
    return this.opts.registry.resolve(module, name, this.opts.path);
  }

  memoGet(index: number): PickleValue {
    if (!this.memo.has(index)) this.fail(`memo key ${index} missing (corrupt pickle)`);
    return this.memo.get(index)!;
  }

  persistent(pid: PickleValue): PickleValue {
    if (this.opts.persistentLoad === undefined) this.fail('persistent id in a pickle that cannot have one');
    return this.opts.persistentLoad(pid);
  }

  construct(cls: PickleValue, args: PickleValue, kwargs: PickleValue): PickleValue {
    if (!Array.isArray(args)) this.fail('object arguments are not a tuple');
    const named = new Map<string, PickleValue>();
    if (kwargs instanceof Map) {
      for (const [k, v] of kwargs) {
        if (typeof k !== 'string') this.fail('keyword argument name is not a string');
        named.set(k, v);
      }
    } else if (kwargs !== null) {
      this.fail('keyword arguments are not a dict');
    }
    return this.opts.registry.construct(cls, args, named, this.opts.path);
  }

  build(target: PickleValue, state: PickleValue): void {
    // Python's default __setstate__: a dict of attributes, or (dict, slots dict).
    const states = Array.isArray(state) && state.length === 2 && !(target instanceof NumpyDType) ? state : [state];
    if (target instanceof NumpyDType) {
      if (!buildNumpyDType(target, state)) this.fail('bad numpy.dtype state');
      return;
    }
    // numpy.ndarray's state is a tuple (version, shape, dtype, fortran, raw bytes): kept as data for the
    // reader that allow-listed `_reconstruct` (CIFAR python batches); checkpoint readers refuse ndarrays.
    if (target instanceof PyRecord && target.className === 'numpy.ndarray') {
      if (!Array.isArray(state)) this.fail('numpy.ndarray BUILD state is not a tuple');
      target.fields.set('state', state);
      return;
    }
    for (const part of states) {
      if (part === null) continue;
      if (!(part instanceof Map)) this.fail(`BUILD state for ${describe(target)} is not a dict`);
      for (const [k, v] of part) {
        if (typeof k !== 'string') this.fail('BUILD attribute name is not a string');
        if (target instanceof PyRecord) target.fields.set(k, v);
        else if (target instanceof PyOrderedDict) target.attributes.set(k, v);
        else if (target instanceof TensorRecord) continue; // tensor attributes (e.g. hooks) carry no data
        else this.fail(`BUILD on ${describe(target)} is not supported`);
      }
    }
  }

  setItems(target: PickleValue, items: PickleValue[]): void {
    if (!(target instanceof Map)) this.fail(`SETITEM(S) on ${describe(target)}`);
    if (items.length % 2 !== 0) this.fail('odd number of items for SETITEMS');
    for (let i = 0; i < items.length; i += 2) target.set(items[i]!, items[i + 1]!);
  }

  appendItems(target: PickleValue, items: PickleValue[]): void {
    if (!Array.isArray(target) || Object.isFrozen(target)) this.fail(`APPEND(S) on ${describe(target)}`);
    for (const item of items) target.push(item);
  }
}

function describe(value: PickleValue): string {
  if (value === null) return 'None';
  if (Array.isArray(value)) return Object.isFrozen(value) ? 'tuple' : 'list';
  if (typeof value === 'object') return value.constructor.name;
  return typeof value;
}

const tuple = (items: PickleValue[]): PickleValue[] => Object.freeze(items) as PickleValue[];

/** Runs the pickle in `input` up to its STOP opcode and returns the object it built. */
export function unpickle(input: ByteInput, opts: UnpickleOptions): UnpickleResult {
  const m: Machine = new Machine(input, opts);
  try {
    for (;;) {
      const op = input.byte();
      switch (op) {
        case 0x80: { // PROTO
          const proto = input.byte();
          if (proto > 5) m.fail(`unsupported pickle protocol ${proto}`);
          break;
        }
        case 0x95: m.uint(8); break; // FRAME: a length hint only
        case 0x2e: return { value: m.pop(), globals: m.globals }; // STOP
        case 0x28: m.mark(); break; // MARK
        case 0x30: if (m.stack.length > 0) m.pop(); else m.popMark(); break; // POP
        case 0x31: m.popMark(); break; // POP_MARK
        case 0x32: m.push(m.top()); break; // DUP
        // Constants and numbers.
        case 0x4e: m.push(null); break; // NONE
        case 0x88: m.push(true); break; // NEWTRUE
        case 0x89: m.push(false); break; // NEWFALSE
        case 0x49: m.push(parseIntLine(m.lineText(), true)); break; // INT
        case 0x4c: m.push(parseIntLine(m.lineText(), false) as number | bigint); break; // LONG
        case 0x4a: { // BININT
          const b = input.bytes(4);
          m.push(new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true));
          break;
        }
        case 0x4b: m.push(input.byte()); break; // BININT1
        case 0x4d: m.push(m.uint(2)); break; // BININT2
        case 0x8a: m.push(decodeLong(input.bytes(input.byte()))); break; // LONG1
        case 0x8b: { // LONG4
          const n = m.uint(4);
          if (n > MAX_LONG_BYTES) m.fail(`absurd integer of ${n} bytes`);
          m.push(decodeLong(input.bytes(n)));
          break;
        }
        case 0x46: m.push(parseFloatLine(m.lineText())); break; // FLOAT
        case 0x47: { // BINFLOAT (big-endian double)
          const b = input.bytes(8);
          m.push(new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, false));
          break;
        }
        // Text and bytes.
        case 0x53: m.push(py2Text(parseReprString(m.lineText()))); break; // STRING
        case 0x54: m.push(py2Text(input.bytes(m.uint(4)))); break; // BINSTRING
        case 0x55: m.push(py2Text(input.bytes(input.byte()))); break; // SHORT_BINSTRING
        case 0x56: m.push(decodeRawUnicodeEscape(input.line())); break; // UNICODE
        case 0x58: m.push(unicodeText(input.bytes(m.uint(4)))); break; // BINUNICODE
        case 0x8c: m.push(unicodeText(input.bytes(input.byte()))); break; // SHORT_BINUNICODE
        case 0x8d: m.push(unicodeText(input.bytes(m.uint(8)))); break; // BINUNICODE8
        case 0x42: m.push(input.bytes(m.uint(4)).slice()); break; // BINBYTES
        case 0x43: m.push(input.bytes(input.byte()).slice()); break; // SHORT_BINBYTES
        case 0x8e: // BINBYTES8
        case 0x96: m.push(input.bytes(m.uint(8)).slice()); break; // BYTEARRAY8
        case 0x98: break; // READONLY_BUFFER: no-op on in-band data
        // Containers.
        case 0x5d: m.push([]); break; // EMPTY_LIST
        case 0x7d: m.push(new Map()); break; // EMPTY_DICT
        case 0x29: m.push(tuple([])); break; // EMPTY_TUPLE
        case 0x8f: m.push(new Set()); break; // EMPTY_SET
        case 0x6c: m.push(m.popMark()); break; // LIST
        case 0x74: m.push(tuple(m.popMark())); break; // TUPLE
        case 0x85: m.push(tuple([m.pop()])); break; // TUPLE1
        case 0x86: { const b = m.pop(); const a = m.pop(); m.push(tuple([a, b])); break; } // TUPLE2
        case 0x87: { const c = m.pop(); const b = m.pop(); const a = m.pop(); m.push(tuple([a, b, c])); break; } // TUPLE3
        case 0x64: { const d = new Map(); m.setItems(d, m.popMark()); m.push(d); break; } // DICT
        case 0x91: m.push(new Set(m.popMark())); break; // FROZENSET
        case 0x61: { const v = m.pop(); m.appendItems(m.top(), [v]); break; } // APPEND
        case 0x65: { const items = m.popMark(); m.appendItems(m.top(), items); break; } // APPENDS
        case 0x73: { const v = m.pop(); const k = m.pop(); m.setItems(m.top(), [k, v]); break; } // SETITEM
        case 0x75: { const items = m.popMark(); m.setItems(m.top(), items); break; } // SETITEMS
        case 0x90: { // ADDITEMS
          const items = m.popMark();
          const target = m.top();
          if (!(target instanceof Set)) m.fail(`ADDITEMS on ${describe(target)}`);
          for (const item of items) target.add(item);
          break;
        }
        // Memo.
        case 0x70: m.memo.set(Number(parseIntLine(m.lineText(), false)), m.top()); break; // PUT
        case 0x71: m.memo.set(input.byte(), m.top()); break; // BINPUT
        case 0x72: m.memo.set(m.uint(4), m.top()); break; // LONG_BINPUT
        case 0x94: m.memo.set(m.memo.size, m.top()); break; // MEMOIZE
        case 0x67: m.push(m.memoGet(Number(parseIntLine(m.lineText(), false)))); break; // GET
        case 0x68: m.push(m.memoGet(input.byte())); break; // BINGET
        case 0x6a: m.push(m.memoGet(m.uint(4))); break; // LONG_BINGET
        // Globals and objects: all through the allow-list.
        case 0x63: { const mod = m.lineText(); m.push(m.global(mod, m.lineText())); break; } // GLOBAL
        case 0x93: { // STACK_GLOBAL
          const name = m.pop();
          const mod = m.pop();
          if (typeof mod !== 'string' || typeof name !== 'string') m.fail('STACK_GLOBAL needs two strings');
          m.push(m.global(mod, name));
          break;
        }
        case 0x52: { // REDUCE
          const args = m.pop();
          const fn = m.pop();
          if (!Array.isArray(args)) m.fail('REDUCE arguments are not a tuple');
          m.push(opts.registry.call(fn, args, opts.path));
          break;
        }
        case 0x81: { const args = m.pop(); m.push(m.construct(m.pop(), args, null)); break; } // NEWOBJ
        case 0x92: { // NEWOBJ_EX
          const kwargs = m.pop();
          const args = m.pop();
          m.push(m.construct(m.pop(), args, kwargs));
          break;
        }
        case 0x69: { // INST
          const mod = m.lineText();
          const cls = m.global(mod, m.lineText());
          m.push(m.construct(cls, m.popMark(), null));
          break;
        }
        case 0x6f: { // OBJ
          const items = m.popMark();
          if (items.length === 0) m.fail('OBJ without a class');
          m.push(m.construct(items[0]!, items.slice(1), null));
          break;
        }
        case 0x62: { const state = m.pop(); m.build(m.top(), state); break; } // BUILD
        case 0x50: m.push(m.persistent(m.lineText())); break; // PERSID
        case 0x51: m.push(m.persistent(m.pop())); break; // BINPERSID
        default: {
          const name = OP_NAMES[op];
          m.fail(name === undefined ? `unknown pickle opcode 0x${op.toString(16).padStart(2, '0')}` : `opcode ${name} is not supported (not plain data)`);
        }
      }
    }
  } catch (error) {
    if (error instanceof NeedMoreInput) throw error; // the caller reads a longer prefix and starts again
    if (error instanceof EndOfInput) m.fail(`pickle truncated: ${error.message}`);
    if (error instanceof CheckpointError) throw error;
    if (error instanceof Error) m.fail(error.message);
    throw error;
  }
}
