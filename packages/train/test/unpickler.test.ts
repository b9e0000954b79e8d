// SPDX-License-Identifier: MIT
// The data-only unpickler against CPython's own pickles of plain data (protocols 0-5) and hand-built opcodes.
import { describe, expect, it } from 'vitest';
import { BufferInput } from '../src/io/byte_input.js';
import { GlobalRegistry } from '../src/checkpoint/pickle_globals.js';
import { unpickle } from '../src/checkpoint/unpickler.js';
import { CheckpointError, describeValue } from '../src/index.js';
import { PyRecord, type PickleValue } from '../src/advanced.js';
import { PYTHON_PICKLES, PYTHON_PICKLES_EXPECTED } from './support/python_pickles.js';
import { PickleWriter } from './support/torch_files.js';

const read = (bytes: Uint8Array, registry = new GlobalRegistry()): PickleValue =>
  unpickle(new BufferInput(bytes), { path: 'test.pkl', registry }).value;

describe('unpickler', () => {
  for (const protocol of [0, 1, 2, 3, 4, 5]) {
    it(`reads CPython protocol ${protocol} pickles of plain data`, () => {
      const value = read(Buffer.from(PYTHON_PICKLES[protocol]!, 'base64'));
      expect(describeValue(value, { maxItems: 5000 })).toEqual(PYTHON_PICKLES_EXPECTED);
      const dict = value as Map<PickleValue, PickleValue>;
      // Shared references stay shared (memo), big ints become bigint, bytes stay bytes.
      const shared = dict.get('shared') as PickleValue[][];
      expect(shared[0]).toBe(shared[1]);
      expect(dict.get('big')).toBe(2n ** 70n);
      expect(dict.get('negbig')).toBe(-(2n ** 65n));
      expect(dict.get('unsafe')).toBe(2n ** 53n + 1n);
      expect(dict.get('bytes')).toEqual(Uint8Array.from([0, 255, 97, 98]));
      expect(dict.get('set')).toEqual(new Set([1, 2]));
      expect((dict.get('ns') as PyRecord).get('sizes')).toEqual([1, 2]);
      expect(dict.get('np_f64')).toBe(62.014);
    });
  }

  it('reads protocol 0 text opcodes and escapes', () => {
    const text = "(dp0\nS'a\\n\\x41\\''\np1\nI01\nsS'b'\nL-12345678901234567890L\nsS'c'\nF-1.5e-3\nsS'd'\nVx\\u00e9\\u2713\nsS'e'\ng1\ns.";
    const value = read(Buffer.from(text, 'latin1')) as Map<PickleValue, PickleValue>;
    expect(value.get("a\nA'")).toBe(true);
    expect(value.get('b')).toBe(-12345678901234567890n);
    expect(value.get('c')).toBe(-0.0015);
    expect(value.get('d')).toBe('xé✓');
    expect(value.get('e')).toBe("a\nA'");
  });

  it('reads LONG4, BINBYTES8, BINUNICODE8, NEWOBJ_EX and extra record classes', () => {
    const w = new PickleWriter().proto(4).raw(0x5d).mark();
    w.raw(0x8b, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80); // LONG4: -2^71
    w.raw(0x8e, 2, 0, 0, 0, 0, 0, 0, 0, 1, 2); // BINBYTES8
    w.raw(0x8d, 1, 0, 0, 0, 0, 0, 0, 0, 0x7a); // BINUNICODE8 'z'
    w.str('my.config').str('Config').raw(0x93); // STACK_GLOBAL
    w.emptyTuple().emptyDict().str('depth').int(3).setitem().raw(0x92); // NEWOBJ_EX(cls, (), {depth: 3})
    w.raw(0x65).stop();
    const registry = new GlobalRegistry([], ['my.config.Config']);
    const value = read(w.bytes(), registry) as PickleValue[];
    expect(value[0]).toBe(-(2n ** 71n));
    expect(value[1]).toEqual(Uint8Array.from([1, 2]));
    expect(value[2]).toBe('z');
    expect(value[3]).toBeInstanceOf(PyRecord);
    expect((value[3] as PyRecord).className).toBe('my.config.Config');
    expect((value[3] as PyRecord).get('depth')).toBe(3);
    // Without the opt-in, the same class is refused.
    expect(() => read(w.bytes())).toThrow(/refusing pickle global 'my\.config\.Config'/);
  });

  const refused: [string, Uint8Array, RegExp][] = [
    ['os.system (protocol 0)', Buffer.from("cos\nsystem\n(S'echo hi'\ntR.", 'latin1'), /refusing pickle global 'os\.system': not data \(allowed: .*argparse\.Namespace/],
    ['builtins.eval', new PickleWriter().proto(2).global('builtins', 'eval').str('1+1').raw(0x85).reduce().stop().bytes(), /refusing pickle global 'builtins\.eval'/],
    ['__builtin__.getattr', new PickleWriter().proto(2).global('__builtin__', 'getattr').stop().bytes(), /refusing pickle global '__builtin__\.getattr'/],
    ['posix.system via STACK_GLOBAL', new PickleWriter().proto(4).str('posix').str('system').raw(0x93).stop().bytes(), /refusing pickle global 'posix\.system'/],
    ['subprocess.Popen via INST', Buffer.from("(S'ls'\nisubprocess\nPopen\n.", 'latin1'), /refusing pickle global 'subprocess\.Popen'/],
    ['torch.storage._load_from_bytes', new PickleWriter().proto(2).global('torch.storage', '_load_from_bytes').stop().bytes(), /_load_from_bytes': it calls torch\.load/],
  ];
  for (const [name, bytes, pattern] of refused) {
    it(`refuses ${name}`, () => {
      expect(() => read(bytes)).toThrow(CheckpointError);
      expect(() => read(bytes)).toThrow(pattern);
      expect(() => read(bytes)).toThrow(/^test\.pkl: /);
    });
  }

  it('refuses calling an allowed marker and instantiating non-data classes', () => {
    const registry = new GlobalRegistry([['torch.Tensor', {}]]);
    const call = new PickleWriter().proto(2).global('torch', 'Tensor').emptyTuple().reduce().stop().bytes();
    expect(() => read(call, registry)).toThrow(/calls torch\.Tensor, which is not callable/);
  });

  const corrupt: [string, number[], RegExp][] = [
    ['unknown opcode', [0x80, 2, 0xff], /unknown pickle opcode 0xff/],
    ['EXT1', [0x80, 2, 0x82, 1], /opcode EXT1 is not supported/],
    ['truncated BINUNICODE', [0x80, 2, 0x58, 0xff, 0xff, 0xff, 0xff, 0x61], /pickle truncated: needs 4294967295 bytes/],
    ['huge BINBYTES8', [0x80, 4, 0x8e, 0, 0, 0, 0, 0, 1, 0, 0], /pickle truncated/],
    ['absurd LONG4', [0x80, 2, 0x8b, 0, 0, 0, 0x10], /pickled integer of 268435456 bytes exceeds the limit of 1024 \(budget option 'maxIntegerBytes'/],
    ['missing memo', [0x80, 2, 0x68, 5, 0x2e], /memo key 5 missing/],
    ['stack underflow', [0x80, 2, 0x52], /stack underflow/],
    ['no MARK', [0x80, 2, 0x74], /MARK expected/],
    ['no STOP', [0x80, 2, 0x4e], /pickle truncated/],
    ['protocol 6', [0x80, 6], /unsupported pickle protocol 6/],
  ];
  for (const [name, bytes, pattern] of corrupt) {
    it(`rejects ${name}`, () => {
      expect(() => read(Uint8Array.from(bytes))).toThrow(pattern);
    });
  }
});
