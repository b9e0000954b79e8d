// SPDX-License-Identifier: MIT
// The unpickler's allow-list. A pickle can only name globals listed here; each maps to a pure function over
// already-decoded data (build a Map, a Set, an inert record, a tensor record). Any other name is refused with
// an error, so reading a checkpoint never runs code from it.
import { CheckpointError } from './errors.js';
import { NumpyDType, PyComplex, PyGlobal, PyOrderedDict, PyRecord, PySlice, type PickleValue } from './pickle_values.js';
import { decodeNumpyScalar } from './numpy_scalar.js';

export interface GlobalHandler {
  /** REDUCE: `fn(*args)`. */
  call?(args: PickleValue[], fail: (problem: string) => never): PickleValue;
  /** NEWOBJ / NEWOBJ_EX / INST / OBJ: `cls.__new__(cls, *args, **kwargs)`. */
  construct?(args: PickleValue[], kwargs: Map<string, PickleValue>, fail: (problem: string) => never): PickleValue;
}

/** Names that are known and deliberately refused, with the reason given to the user. */
const REFUSED_WITH_REASON: Record<string, string> = {
  'torch.storage._load_from_bytes': 'it calls torch.load on embedded bytes (a nested, unchecked pickle)',
  'torch._utils._rebuild_device_tensor_from_numpy': 'it rebuilds a tensor from a pickled numpy array',
  'numpy.core.multiarray._reconstruct': 'numpy arrays inside checkpoints are not supported',
  'numpy._core.multiarray._reconstruct': 'numpy arrays inside checkpoints are not supported',
};

const str = (v: PickleValue | undefined): v is string => typeof v === 'string';

function iterableItems(value: PickleValue | undefined, fail: (p: string) => never): PickleValue[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  if (value instanceof Set) return [...value];
  if (value instanceof Uint8Array) return [...value];
  return fail('expects a list, tuple or set');
}

function bytesFrom(args: PickleValue[], fail: (p: string) => never): Uint8Array {
  const [source, encoding] = args;
  if (source === undefined) return new Uint8Array(0);
  if (source instanceof Uint8Array) return source.slice();
  if (str(source)) {
    if (encoding === 'latin1' || encoding === 'latin-1' || encoding === 'iso-8859-1') {
      const out = new Uint8Array(source.length);
      for (let i = 0; i < source.length; i++) {
        const c = source.charCodeAt(i);
        if (c > 255) fail('latin-1 text holds a character above U+00FF');
        out[i] = c;
      }
      return out;
    }
    if (encoding === 'utf-8' || encoding === 'utf8') return new TextEncoder().encode(source);
    fail(`unsupported text encoding ${JSON.stringify(encoding)}`);
  }
  const items = iterableItems(source, fail);
  if (!items.every((b) => typeof b === 'number' && Number.isInteger(b) && b >= 0 && b < 256)) fail('expects byte values');
  return Uint8Array.from(items as number[]);
}

function recordHandler(className: string): GlobalHandler {
  return {
    call: (args) => new PyRecord(className, args),
    construct: (args, kwargs) => {
      const record = new PyRecord(className, args);
      for (const [k, v] of kwargs) record.fields.set(k, v);
      return record;
    },
  };
}

const setHandler: GlobalHandler = { call: (args, fail) => new Set(iterableItems(args[0], fail)) };
const bytesHandler: GlobalHandler = { call: (args, fail) => bytesFrom(args, fail) };

function baseHandlers(): Map<string, GlobalHandler> {
  const handlers = new Map<string, GlobalHandler>();
  const orderedDict: GlobalHandler = {
    call: (args, fail) => {
      const out = new PyOrderedDict();
      for (const pair of iterableItems(args[0], fail)) {
        if (!Array.isArray(pair) || pair.length !== 2) return fail('expects (key, value) pairs');
        out.set(pair[0]!, pair[1]!);
      }
      return out;
    },
    construct: () => new PyOrderedDict(),
  };
  handlers.set('collections.OrderedDict', orderedDict);
  handlers.set('argparse.Namespace', recordHandler('argparse.Namespace'));
  handlers.set('types.SimpleNamespace', recordHandler('types.SimpleNamespace'));
  // Protocol 2 pickles written by Python 3 name builtins `__builtin__` (fix_imports).
  for (const mod of ['builtins', '__builtin__']) {
    handlers.set(`${mod}.set`, setHandler);
    handlers.set(`${mod}.frozenset`, setHandler);
    handlers.set(`${mod}.bytes`, bytesHandler);
    handlers.set(`${mod}.bytearray`, bytesHandler);
    handlers.set(`${mod}.slice`, {
      call: (args) => (args.length === 1 ? new PySlice(null, args[0]!, null) : new PySlice(args[0] ?? null, args[1] ?? null, args[2] ?? null)),
    });
    handlers.set(`${mod}.complex`, {
      call: ([re, im], fail) => {
        if (typeof re !== 'number' || (im !== undefined && typeof im !== 'number')) return fail('expects two floats');
        return new PyComplex(re, (im as number | undefined) ?? 0);
      },
    });
    handlers.set(`${mod}.object`, { construct: () => new PyRecord('builtins.object') });
  }
  // Protocol 2 pickles of Python 3 `bytes` objects: _codecs.encode(text, 'latin1').
  handlers.set('_codecs.encode', bytesHandler);
  // Protocol 0/1 objects: copyreg._reconstructor(cls, object, state); only allow-listed classes get through.
  const reconstructor: GlobalHandler = {
    call: ([cls, base], fail) => {
      if (!(cls instanceof PyGlobal) || !(base instanceof PyGlobal)) return fail('expects (class, base, state)');
      if (base.name !== 'object') return fail(`base ${base.qualifiedName} is not object`);
      return new PyRecord(cls.qualifiedName);
    },
  };
  handlers.set('copyreg._reconstructor', reconstructor);
  handlers.set('copy_reg._reconstructor', reconstructor);
  // numpy scalars (timm stores metrics as numpy.float64): numpy.dtype(code) + scalar(dtype, bytes) -> number.
  handlers.set('numpy.dtype', { call: ([code], fail) => (str(code) ? new NumpyDType(code) : fail('expects a type code')) });
  for (const mod of ['numpy.core.multiarray', 'numpy._core.multiarray']) {
    handlers.set(`${mod}.scalar`, { call: ([dtype, data], fail) => decodeNumpyScalar(dtype, data, fail) });
  }
  return handlers;
}

export class GlobalRegistry {
  private readonly handlers: Map<string, GlobalHandler>;

  constructor(extra: Iterable<[string, GlobalHandler]> = [], recordClasses: Iterable<string> = []) {
    this.handlers = baseHandlers();
    for (const [name, handler] of extra) this.handlers.set(name, handler);
    for (const name of recordClasses) this.handlers.set(name, recordHandler(name));
  }

  allowedNames(): string[] {
    return [...this.handlers.keys()].sort();
  }

  /** The allow-list for error messages: storage classes and dtype markers folded, `__builtin__` aliases dropped. */
  private allowedSummary(): string {
    const names = this.allowedNames().filter((n) => !n.startsWith('__builtin__.') && !n.startsWith('copy_reg.'));
    const storages = names.filter((n) => /^torch\.[A-Za-z0-9]*Storage$/.test(n));
    const markers = names.filter((n) => /^torch\.[a-z0-9]+$/.test(n) && n !== 'torch.device');
    const rest = names.filter((n) => !storages.includes(n) && !markers.includes(n));
    if (storages.length > 0) rest.push(`torch.{${storages.map((n) => n.slice(6)).join(',')}}`);
    if (markers.length > 0) rest.push('torch dtypes (torch.float32, ...)');
    return rest.join(', ');
  }

  /** GLOBAL / STACK_GLOBAL / INST: the allowed global, or a CheckpointError naming the refused one. */
  resolve(module: string, name: string, path: string): PyGlobal {
    const qualified = `${module}.${name}`;
    if (this.handlers.has(qualified)) return new PyGlobal(module, name);
    const reason = REFUSED_WITH_REASON[qualified] ?? 'not data';
    throw new CheckpointError(path, `refusing pickle global '${qualified}': ${reason} (allowed: ${this.allowedSummary()})`);
  }

  call(fn: PickleValue, args: PickleValue[], path: string): PickleValue {
    const handler = fn instanceof PyGlobal ? this.handlers.get(fn.qualifiedName) : undefined;
    const what = fn instanceof PyGlobal ? fn.qualifiedName : typeof fn;
    if (handler?.call === undefined) throw new CheckpointError(path, `pickle calls ${what}, which is not callable here`);
    return handler.call(args, (problem) => {
      throw new CheckpointError(path, `pickle call ${what}(...): ${problem}`);
    });
  }

  construct(cls: PickleValue, args: PickleValue[], kwargs: Map<string, PickleValue>, path: string): PickleValue {
    const handler = cls instanceof PyGlobal ? this.handlers.get(cls.qualifiedName) : undefined;
    const what = cls instanceof PyGlobal ? cls.qualifiedName : typeof cls;
    if (handler?.construct === undefined) throw new CheckpointError(path, `pickle instantiates ${what}, which is not a data class`);
    return handler.construct(args, kwargs, (problem) => {
      throw new CheckpointError(path, `pickle object ${what}: ${problem}`);
    });
  }
}
