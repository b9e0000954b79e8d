// SPDX-License-Identifier: MIT
// Per-query windows and per-key inverse neighbourhoods of a 3-D problem, flattened from the axis tables, so
// that every reference kernel walks the same slots in the same order.
import type { NAProblem } from './geometry.js';

export interface WindowWalker {
  /** Per slot: the key's flat spatial index, or -1 for a masked (causal) slot. */
  readonly key: Int32Array;
  /** Per slot: offset in one head's `[2k0-1, 2k1-1, 2k2-1]` bias table. */
  readonly bias: Int32Array;
  /** Fills `key`/`bias` for the query at flat spatial index `position`. */
  fill(position: number): void;
}

export const spatialSize = (p: NAProblem): number => p.planes.length * p.rows.length * p.cols.length;

export function windowWalker(p: NAProblem): WindowWalker {
  const { planes: a0, rows: a1, cols: a2, biasRows, biasCols } = p;
  const [Y, Z] = [a1.length, a2.length];
  const key = new Int32Array(p.slots);
  const bias = new Int32Array(p.slots);
  const fill = (position: number) => {
    const x2 = position % Z;
    const x1 = Math.floor(position / Z) % Y;
    const x0 = Math.floor(position / (Y * Z));
    let slot = 0;
    for (let n0 = 0; n0 < a0.kernel; n0++) {
      for (let n1 = 0; n1 < a1.kernel; n1++) {
        for (let n2 = 0; n2 < a2.kernel; n2++, slot++) {
          const valid = n0 < a0.count[x0]! && n1 < a1.count[x1]! && n2 < a2.count[x2]!;
          key[slot] = valid
            ? ((a0.start[x0]! + n0 * a0.dilation) * Y + a1.start[x1]! + n1 * a1.dilation) * Z + a2.start[x2]! + n2 * a2.dilation
            : -1;
          bias[slot] = ((a0.biasStart[x0]! + n0) * biasRows + a1.biasStart[x1]! + n1) * biasCols + a2.biasStart[x2]! + n2;
        }
      }
    }
  };
  return { key, bias, fill };
}

export interface InverseWalker {
  /** The (query position, slot) pairs whose window holds the key: entries `0 .. count-1`. */
  readonly query: Int32Array;
  readonly slot: Int32Array;
  /** Per pair: offset in one head's bias table (as WindowWalker.bias). */
  readonly bias: Int32Array;
  /** Fills the pairs for the key at flat spatial index `position`; returns their count. */
  fill(position: number): number;
}

const widest = (offsets: Int32Array): number => {
  let most = 0;
  for (let x = 0; x + 1 < offsets.length; x++) most = Math.max(most, offsets[x + 1]! - offsets[x]!);
  return most;
};

export function inverseWalker(p: NAProblem): InverseWalker {
  const { planes: a0, rows: a1, cols: a2, biasRows, biasCols } = p;
  const [Y, Z, k1, k2] = [a1.length, a2.length, a1.kernel, a2.kernel];
  const capacity = widest(a0.inverseOffset) * widest(a1.inverseOffset) * widest(a2.inverseOffset);
  const query = new Int32Array(capacity);
  const slot = new Int32Array(capacity);
  const bias = new Int32Array(capacity);
  const fill = (position: number) => {
    const x2 = position % Z;
    const x1 = Math.floor(position / Z) % Y;
    const x0 = Math.floor(position / (Y * Z));
    let n = 0;
    for (let r0 = a0.inverseOffset[x0]!; r0 < a0.inverseOffset[x0 + 1]!; r0++) {
      const [q0, n0] = [a0.inverseQuery[r0]!, a0.inverseSlot[r0]!];
      for (let r1 = a1.inverseOffset[x1]!; r1 < a1.inverseOffset[x1 + 1]!; r1++) {
        const [q1, n1] = [a1.inverseQuery[r1]!, a1.inverseSlot[r1]!];
        const biasRow = ((a0.biasStart[q0]! + n0) * biasRows + a1.biasStart[q1]! + n1) * biasCols;
        for (let r2 = a2.inverseOffset[x2]!; r2 < a2.inverseOffset[x2 + 1]!; r2++, n++) {
          const [q2, n2] = [a2.inverseQuery[r2]!, a2.inverseSlot[r2]!];
          query[n] = (q0 * Y + q1) * Z + q2;
          slot[n] = (n0 * k1 + n1) * k2 + n2;
          bias[n] = biasRow + a2.biasStart[q2]! + n2;
        }
      }
    }
    return n;
  };
  return { query, slot, bias, fill };
}

/**
 * Visits every query head of every token with `w` filled for the token's position: `row` is the query's
 * `[B*S*heads]` row, `keyRow(key)` the `[B*S*kvHeads]` row of a key position in the same batch entry.
 */
export function forEachQueryHead(
  p: NAProblem,
  w: WindowWalker,
  visit: (row: number, h: number, keyRow: (key: number) => number) => void,
): void {
  const S = spatialSize(p);
  const group = p.heads / p.kvHeads;
  for (let position = 0; position < S; position++) {
    w.fill(position);
    for (let bi = 0; bi < p.batch; bi++) {
      const token = bi * S + position;
      for (let h = 0; h < p.heads; h++) {
        const hk = Math.floor(h / group);
        visit(token * p.heads + h, h, (key) => (bi * S + key) * p.kvHeads + hk);
      }
    }
  }
}

/**
 * Visits every kv head of every key token with `inv` filled for the key's position: `kvRow` is the key's
 * `[B*S*kvHeads]` row, query heads `headFrom .. headTo-1` read it, and `queryRow(n, h)` is the `[B*S*heads]` row
 * of pair n's query under head h.
 */
export function forEachKeyHead(
  p: NAProblem,
  inv: InverseWalker,
  visit: (kvRow: number, pairs: number, headFrom: number, headTo: number, queryRow: (n: number, h: number) => number) => void,
): void {
  const S = spatialSize(p);
  const group = p.heads / p.kvHeads;
  for (let position = 0; position < S; position++) {
    const pairs = inv.fill(position);
    for (let bi = 0; bi < p.batch; bi++) {
      const queryRow = (n: number, h: number) => (bi * S + inv.query[n]!) * p.heads + h;
      for (let hk = 0; hk < p.kvHeads; hk++) {
        visit((bi * S + position) * p.kvHeads + hk, pairs, hk * group, (hk + 1) * group, queryRow);
      }
    }
  }
}
