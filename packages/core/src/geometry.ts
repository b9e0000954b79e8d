// SPDX-License-Identifier: MIT
// Per-axis neighbourhood tables for NATTEN v0.17.5 semantics. Rules from
// SHI-Labs/NATTEN csrc/include/natten/cpu/naive/natten_cpu_commons.h (get_window_start, get_pb_start).

/** Everything a kernel needs to know about one spatial axis. */
export interface AxisGeometry {
  readonly length: number;
  readonly kernel: number;
  readonly dilation: number;
  readonly causal: boolean;
  /** Global index of the key in slot 0 for each query; slot n holds `start + n * dilation`. */
  readonly start: Int32Array;
  /** Number of valid slots per query: `kernel`, or fewer near the start of a causal axis. */
  readonly count: Int32Array;
  /** Index into the `2k-1` bias table of slot 0 for each query (`key' - query' + k - 1`). */
  readonly biasStart: Int32Array;
  /** Inverse neighbourhood in CSR form: the queries whose window holds key x are
   *  `inverseQuery[inverseOffset[x] .. inverseOffset[x+1])`, at slots `inverseSlot[...]`. */
  readonly inverseOffset: Int32Array;
  readonly inverseQuery: Int32Array;
  readonly inverseSlot: Int32Array;
}

/** Length of dilation group `g` on an axis of length `length`. */
function groupLength(length: number, dilation: number, group: number): number {
  return Math.ceil((length - group) / dilation);
}

export function buildAxisGeometry(length: number, kernel: number, dilation: number, causal: boolean): AxisGeometry {
  const start = new Int32Array(length);
  const count = new Int32Array(length);
  const biasStart = new Int32Array(length);
  const half = Math.floor(kernel / 2);
  for (let i = 0; i < length; i++) {
    const group = i % dilation;
    const iGroup = Math.floor(i / dilation);
    let startGroup: number;
    if (causal) {
      // Causal windows are clipped at the start, not shifted.
      startGroup = Math.max(iGroup - kernel + 1, 0);
      count[i] = iGroup - startGroup + 1;
    } else {
      // Border windows shift inward so every query sees exactly `kernel` keys.
      const lastStart = groupLength(length, dilation, group) - kernel;
      startGroup = Math.min(Math.max(iGroup - half, 0), lastStart);
      count[i] = kernel;
    }
    start[i] = startGroup * dilation + group;
    biasStart[i] = startGroup - iGroup + kernel - 1;
  }
  // Inverse neighbourhood built from the forward table, so the two can never disagree.
  const inverseOffset = new Int32Array(length + 1);
  for (let i = 0; i < length; i++) {
    for (let n = 0; n < count[i]!; n++) inverseOffset[start[i]! + n * dilation + 1]!++;
  }
  for (let x = 0; x < length; x++) inverseOffset[x + 1]! += inverseOffset[x]!;
  const fill = inverseOffset.slice(0, length);
  const total = inverseOffset[length]!;
  const inverseQuery = new Int32Array(total);
  const inverseSlot = new Int32Array(total);
  for (let i = 0; i < length; i++) {
    for (let n = 0; n < count[i]!; n++) {
      const at = fill[start[i]! + n * dilation]!++;
      inverseQuery[at] = i;
      inverseSlot[at] = n;
    }
  }
  return { length, kernel, dilation, causal, start, count, biasStart, inverseOffset, inverseQuery, inverseSlot };
}

/** A 2-D neighbourhood problem; 1-D problems are 2-D with a height-1 axis and kernel 1. */
export interface NAProblem {
  readonly batch: number;
  readonly heads: number;
  readonly headDim: number;
  readonly rows: AxisGeometry;
  readonly cols: AxisGeometry;
  /** Slots per query, `k0 * k1`. */
  readonly slots: number;
  /** Sizes of the `[heads, 2k0-1, 2k1-1]` bias table. */
  readonly biasRows: number;
  readonly biasCols: number;
}

const geometryCache = new Map<string, AxisGeometry>();
const CACHE_LIMIT = 64;

function cachedAxis(length: number, kernel: number, dilation: number, causal: boolean): AxisGeometry {
  const key = `${length},${kernel},${dilation},${causal}`;
  let axis = geometryCache.get(key);
  if (axis === undefined) {
    if (geometryCache.size >= CACHE_LIMIT) geometryCache.clear();
    axis = buildAxisGeometry(length, kernel, dilation, causal);
    geometryCache.set(key, axis);
  }
  return axis;
}

export interface ProblemAttrs {
  kernelSize: readonly [number, number];
  dilation: readonly [number, number];
  isCausal: readonly [boolean, boolean];
}

/** Builds the problem from a heads-last 5-D shape `[B, H, W, heads, D]`. */
export function makeProblem(shape: readonly number[], attrs: ProblemAttrs): NAProblem {
  const [batch, height, width, heads, headDim] = shape as [number, number, number, number, number];
  const rows = cachedAxis(height, attrs.kernelSize[0], attrs.dilation[0], attrs.isCausal[0]);
  const cols = cachedAxis(width, attrs.kernelSize[1], attrs.dilation[1], attrs.isCausal[1]);
  const [k0, k1] = attrs.kernelSize;
  return { batch, heads, headDim, rows, cols, slots: k0 * k1, biasRows: 2 * k0 - 1, biasCols: 2 * k1 - 1 };
}
