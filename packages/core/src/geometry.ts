// SPDX-License-Identifier: MIT
// Per-axis neighbourhood tables: the one place where window rules live (NATTEN 0.21 reference-mask rules,
// which give v0.17.5's at stride 1). Rules from SHI-Labs/NATTEN csrc/include/natten/cuda/reference/mask.hpp;
// rpb is indexed relative to the stride-group leader, v0.17.5's rule applied to the leader.

/** Everything a kernel needs to know about one spatial axis. */
export interface AxisGeometry {
  readonly length: number;
  readonly kernel: number;
  readonly dilation: number;
  readonly causal: boolean;
  readonly stride: number;
  /** Global index of the key in slot 0 for each query; slot n holds `start + n * dilation`. */
  readonly start: Int32Array;
  /** Number of valid slots per query: `kernel`, or fewer on a causal axis. */
  readonly count: Int32Array;
  /** Index into the `2k-1` bias table of slot 0 for each query (`key' - leader' + k - 1`). */
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

/** The window of group position `ig` (group length `lg`): first key, key count and the leader it follows. */
function groupWindow(ig: number, lg: number, kernel: number, stride: number, causal: boolean) {
  const groupStart = Math.floor(ig / stride) * stride;
  if (causal) {
    // Causal windows end at the query itself, whatever the leader sees.
    const leader = Math.min(groupStart + stride - 1, lg - 1);
    const start = Math.max(leader - kernel + 1, 0);
    return { start, count: ig - start + 1, leader };
  }
  // Border windows shift inward so every query sees exactly `kernel` keys; an even kernel 2r sees r keys
  // before its leader and r-1 after.
  const leader = Math.min(groupStart + Math.floor(stride / 2), lg - 1);
  const start = Math.min(Math.max(leader - Math.floor(kernel / 2), 0), lg - kernel);
  return { start, count: kernel, leader };
}

export function buildAxisGeometry(
  length: number,
  kernel: number,
  dilation: number,
  causal: boolean,
  stride = 1,
): AxisGeometry {
  const start = new Int32Array(length);
  const count = new Int32Array(length);
  const biasStart = new Int32Array(length);
  for (let i = 0; i < length; i++) {
    const group = i % dilation;
    const ig = Math.floor(i / dilation);
    const w = groupWindow(ig, groupLength(length, dilation, group), kernel, stride, causal);
    start[i] = w.start * dilation + group;
    count[i] = w.count;
    biasStart[i] = w.start - w.leader + kernel - 1;
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
  return { length, kernel, dilation, causal, stride, start, count, biasStart, inverseOffset, inverseQuery, inverseSlot };
}

/**
 * A 3-D neighbourhood problem over `[B, X, Y, Z, heads, D]` (axes `planes`, `rows`, `cols`); 2-D problems have a
 * length-1 `planes` axis with kernel 1, and 1-D problems also a length-1 `rows` axis.
 */
export interface NAProblem {
  readonly batch: number;
  readonly heads: number;
  /** Key/value heads: query head h reads kv head `floor(h / (heads / kvHeads))` (GQA/MQA). */
  readonly kvHeads: number;
  readonly headDim: number;
  readonly planes: AxisGeometry;
  readonly rows: AxisGeometry;
  readonly cols: AxisGeometry;
  /** Slots per query, `k0 * k1 * k2`. */
  readonly slots: number;
  /** Sizes of the `[heads, 2k0-1, 2k1-1, 2k2-1]` bias table. */
  readonly biasPlanes: number;
  readonly biasRows: number;
  readonly biasCols: number;
}

const geometryCache = new Map<string, AxisGeometry>();
const CACHE_LIMIT = 64;

function cachedAxis(length: number, kernel: number, dilation: number, causal: boolean, stride: number): AxisGeometry {
  const key = `${length},${kernel},${dilation},${causal},${stride}`;
  let axis = geometryCache.get(key);
  if (axis === undefined) {
    if (geometryCache.size >= CACHE_LIMIT) geometryCache.clear();
    axis = buildAxisGeometry(length, kernel, dilation, causal, stride);
    geometryCache.set(key, axis);
  }
  return axis;
}

/** Per-axis window attributes of the kernels: 2 entries for 5-D tensors, 3 for 6-D. */
export interface ProblemAttrs {
  kernelSize: readonly number[];
  dilation: readonly number[];
  isCausal: readonly boolean[];
  /** Default 1 on every axis. */
  stride?: readonly number[];
  /** Key/value heads; default: the query's heads. */
  kvHeads?: number;
}

/**
 * Builds the problem from a heads-last query-side shape `[B, H, W, heads, D]` or `[B, X, Y, Z, heads, D]`
 * (`headDim` overrides the last entry when that tensor holds slots, not channels).
 */
export function makeProblem(shape: readonly number[], attrs: ProblemAttrs, headDim = shape[shape.length - 1]!): NAProblem {
  const spatial = shape.slice(1, -2);
  const pad = spatial.length === 2 ? 1 : 0;
  const at = <T>(list: readonly T[] | undefined, axis: number, fallback: T): T =>
    axis < pad || list === undefined ? fallback : list[axis - pad]!;
  const axes = [0, 1, 2].map((a) =>
    cachedAxis(
      a < pad ? 1 : spatial[a - pad]!,
      at(attrs.kernelSize, a, 1),
      at(attrs.dilation, a, 1),
      at(attrs.isCausal, a, false),
      at(attrs.stride, a, 1),
    ),
  ) as [AxisGeometry, AxisGeometry, AxisGeometry];
  const heads = shape[shape.length - 2]!;
  const [planes, rows, cols] = axes;
  return {
    batch: shape[0]!,
    heads,
    kvHeads: attrs.kvHeads ?? heads,
    headDim,
    planes,
    rows,
    cols,
    slots: planes.kernel * rows.kernel * cols.kernel,
    biasPlanes: 2 * planes.kernel - 1,
    biasRows: 2 * rows.kernel - 1,
    biasCols: 2 * cols.kernel - 1,
  };
}
