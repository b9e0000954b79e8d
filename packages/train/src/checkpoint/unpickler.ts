// SPDX-License-Identifier: MIT
// A data-only pickle reader (protocols 0-5). It interprets the opcodes as a stack machine over JS values;
// globals go through the GlobalRegistry allow-list and are never imported or executed.
import { EndOfInput, NeedMoreInput, type ByteInput } from '../io/byte_input.js';
import { CheckpointError } from './errors.js';
import { describe, Machine, type UnpickleOptions } from './pickle_machine.js';
import { decodeLong, decodeRawUnicodeEscape, parseFloatLine, parseIntLine, parseReprString, py2Text, unicodeText } from './pickle_text.js';
import type { PickleValue } from './pickle_values.js';
import { DEFAULT_READ_BUDGET } from './read_budget.js';

export type { UnpickleOptions } from './pickle_machine.js';

/** Every global name the pickle referenced (for reports), filled by `unpickle`. */
export interface UnpickleResult {
  value: PickleValue;
  globals: Set<string>;
}

const OP_NAMES: Record<number, string> = { 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x97: 'NEXT_BUFFER' };

const tuple = (items: PickleValue[]): PickleValue[] => Object.freeze(items) as PickleValue[];

/** Runs the pickle in `input` up to its STOP opcode and returns the object it built. */
export function unpickle(input: ByteInput, opts: UnpickleOptions): UnpickleResult {
  const m: Machine = new Machine(input, opts, opts.budget ?? DEFAULT_READ_BUDGET);
  const long = (n: number): number | bigint => {
    m.within('maxIntegerBytes', n, () => `pickled integer of ${n} bytes`);
    return decodeLong(input.bytes(n));
  };
  const intLine = (allowBool: boolean): number | bigint | boolean => {
    const text = m.lineText();
    m.within('maxIntegerBytes', Math.ceil(text.length / 2.41), () => `pickled integer of ${text.length} digits`);
    return parseIntLine(text, allowBool);
  };
  try {
    for (;;) {
      m.step();
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
        case 0x49: m.push(intLine(true)); break; // INT
        case 0x4c: m.push(intLine(false) as number | bigint); break; // LONG
        case 0x4a: { // BININT
          const b = input.bytes(4);
          m.push(new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true));
          break;
        }
        case 0x4b: m.push(input.byte()); break; // BININT1
        case 0x4d: m.push(m.uint(2)); break; // BININT2
        case 0x8a: m.push(long(input.byte())); break; // LONG1
        case 0x8b: m.push(long(m.uint(4))); break; // LONG4
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
        case 0x70: m.memoSet(Number(intLine(false)), m.top()); break; // PUT
        case 0x71: m.memoSet(input.byte(), m.top()); break; // BINPUT
        case 0x72: m.memoSet(m.uint(4), m.top()); break; // LONG_BINPUT
        case 0x94: m.memoSet(m.memo.size, m.top()); break; // MEMOIZE
        case 0x67: m.push(m.memoGet(Number(intLine(false)))); break; // GET
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
