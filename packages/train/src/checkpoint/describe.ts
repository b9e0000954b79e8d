// SPDX-License-Identifier: MIT
// JSON-friendly summaries of unpickled values for conversion reports: tensors become {dtype, shape}, records
// plain objects, big ints strings. Cycles are cut and the output has a node budget, so shared references in a
// hostile pickle cannot make it explode.
import { PyComplex, PyGlobal, PyOrderedDict, PyRecord, PySlice, NumpyDType, type PickleValue } from './pickle_values.js';
import { Storage } from './storage.js';
import { TensorRecord } from './tensor_record.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface DescribeOptions {
  /** Items shown per list/dict before eliding the rest; default 1000. */
  maxItems?: number;
  /** Nesting depth shown; default 16. */
  maxDepth?: number;
  /** Total values emitted before the rest is elided; default 100000. */
  maxNodes?: number;
}

export function describeValue(value: PickleValue, opts: DescribeOptions = {}): JsonValue {
  const maxItems = opts.maxItems ?? 1000;
  const maxDepth = opts.maxDepth ?? 16;
  let budget = opts.maxNodes ?? 100_000;
  const active = new Set<object>();
  const walk = (v: PickleValue, depth: number): JsonValue => {
    if (budget-- <= 0) return '<elided>';
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return { bytes: v.length };
    if (v instanceof TensorRecord) return { tensor: { dtype: v.dtype, shape: [...v.shape] } };
    if (v instanceof Storage) return { storage: { dtype: v.dtype, numel: v.numel } };
    if (v instanceof PyGlobal) return { global: v.qualifiedName };
    if (v instanceof PySlice) {
      if (depth >= maxDepth) return '<deeper>';
      return { slice: [walk(v.start, depth + 1), walk(v.stop, depth + 1), walk(v.step, depth + 1)] };
    }
    if (v instanceof PyComplex) return { complex: [v.re, v.im] };
    if (v instanceof NumpyDType) return { numpyDType: v.code };
    if (active.has(v)) return '<cycle>';
    if (depth >= maxDepth) return '<deeper>';
    active.add(v);
    try {
      if (Array.isArray(v) || v instanceof Set) {
        const items = [...v];
        const out = items.slice(0, maxItems).map((x) => walk(x, depth + 1));
        if (items.length > maxItems) out.push(`<${items.length - maxItems} more>`);
        return out;
      }
      const out: { [key: string]: JsonValue } = {};
      const entries: [PickleValue, PickleValue][] = v instanceof PyRecord ? [...v.fields] : [...v];
      if (v instanceof PyRecord) out.__class__ = v.className;
      if (v instanceof PyOrderedDict && v.attributes.size > 0) out.__attributes__ = [...v.attributes.keys()];
      for (const [k, x] of entries.slice(0, maxItems)) {
        Object.defineProperty(out, typeof k === 'string' ? k : String(walk(k, depth + 1)), {
          value: walk(x, depth + 1), enumerable: true, writable: true, configurable: true,
        });
      }
      if (entries.length > maxItems) out['<more>'] = entries.length - maxItems;
      return out;
    } finally {
      active.delete(v);
    }
  };
  return walk(value, 0);
}
