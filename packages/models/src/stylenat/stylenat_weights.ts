// SPDX-License-Identifier: MIT
// Upstream state_dicts <-> StyleNAT weights. Keys are the same on both sides; only layouts change (Linear
// transposed, convs OIHW -> HWIO, the constant input NCHW -> NHWC). Equalised-lr scales are NOT folded: the raw
// weights are kept and the scale applied at run time, as upstream does, so converted weights train the same.
// Buffers upstream saves but we recompute (RPB index, blur and Haar kernels) are checked against ours, then
// consumed; anything else unexplained is an error and nothing is written.
import * as tf from '@tensorflow/tfjs';
import type { ExportedTensor } from '../convert/export_weights.js';
import { WeightPortError } from '../convert/port_weights.js';
import type { StateDictLike, WeightPortReport } from '../convert/port_weights.js';
import { fromTorch, toTorch } from './param_set.js';
import type { ParamSet } from './param_set.js';

/** A buffer upstream stores that we derive: why, and (when it is a constant) the values it must hold. */
export interface DerivedBuffer {
  reason: string;
  expected?: Float32Array;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

function list(title: string, items: string[]): string {
  if (items.length === 0) return '';
  return `\n  ${title} (${items.length}): ${items.slice(0, 12).join(', ')}${items.length > 12 ? ', ...' : ''}`;
}

/**
 * Writes `stateDict` into `params`; throws a WeightPortError (before writing anything) when a weight is missing,
 * a key is unexplained, a shape differs or a derived buffer holds other values than ours.
 */
export async function loadParamSet(
  label: string,
  params: ParamSet,
  stateDict: StateDictLike,
  derived: ReadonlyMap<string, DerivedBuffer> = new Map(),
): Promise<WeightPortReport> {
  const report: WeightPortReport = { loaded: [], missing: [], unused: [], shapeMismatch: [], rejected: [], kept: [], converted: [], ignored: [] };
  const staged: [tf.Variable, Float32Array][] = [];
  for (const [key, spec] of params.specs) {
    const source = stateDict.get(key);
    if (source === undefined) {
      report.missing.push(key);
      continue;
    }
    if (!sameShape(source.shape, spec.torchShape)) {
      report.shapeMismatch.push({ weight: key, key, expected: spec.torchShape, actual: [...source.shape] });
      continue;
    }
    staged.push([params.get(key), fromTorch(await source.toFloat32(), spec.torchShape, spec.layout)]);
    report.loaded.push(key);
  }
  for (const [key, source] of stateDict) {
    if (params.specs.has(key)) continue;
    const buffer = derived.get(key);
    if (buffer === undefined) {
      report.unused.push(key);
      continue;
    }
    if (buffer.expected !== undefined) {
      const data = await source.toFloat32();
      const worst = data.length !== buffer.expected.length ? Infinity : data.reduce((m, v, i) => Math.max(m, Math.abs(v - buffer.expected![i]!)), 0);
      if (!(worst <= 1e-6)) {
        report.rejected.push({ key, reason: `holds other values than the ${buffer.reason} (max |diff| ${worst})` });
        continue;
      }
    }
    report.ignored.push({ key, reason: buffer.reason });
  }
  const failed = report.missing.length + report.unused.length + report.shapeMismatch.length + report.rejected.length > 0;
  if (failed) {
    const mismatches = report.shapeMismatch.map((m) => `${m.key} is [${m.actual.join(', ')}], expected [${m.expected.join(', ')}]`);
    throw new WeightPortError(
      `${label}: the state_dict does not match the configuration; nothing was written.` +
        list('missing keys', report.missing) +
        list('unused keys', report.unused) +
        list('shape mismatches', mismatches) +
        list('rejected', report.rejected.map((r) => `${r.key}: ${r.reason}`)),
      report,
    );
  }
  for (const [variable, data] of staged) tf.tidy(() => variable.assign(tf.tensor(data, variable.shape)));
  return report;
}

/** Every weight as `upstream key -> tensor` in PyTorch layout (loads into upstream with strict=False: buffers are left out). */
export function exportParamSet(params: ParamSet): Map<string, ExportedTensor> {
  const out = new Map<string, ExportedTensor>();
  for (const [key, spec] of params.specs) {
    const data = toTorch(params.get(key).dataSync() as Float32Array, spec.shape, spec.layout);
    out.set(key, { dtype: 'float32', shape: [...spec.torchShape], data });
  }
  return out;
}
