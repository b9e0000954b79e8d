// SPDX-License-Identifier: MIT
// The stride groups the grouped wasm forward (assembly/na_grouped.ts) tiles by: on each axis, the positions whose
// windows are identical (same first key and count, and same bias start when rpb is read), which are the stride
// groups (plus border queries that clamp to the same window), listed as int32 tables in problem.ts's groupAxis layout.
import type { AxisGeometry, NAProblem } from '../../geometry.js';

/** One axis's table: [groups, offset[L+1], member[L]] (offsets past the group count are unused zeros). */
export interface AxisGroups {
  readonly table: Int32Array;
  readonly groups: number;
  /** Groups of an odd size. */
  readonly odd: number;
  readonly largest: number;
}

const cache = new WeakMap<AxisGeometry, Map<boolean, AxisGroups>>();

function buildAxisGroups(a: AxisGeometry, withBias: boolean): AxisGroups {
  const L = a.length;
  const byWindow = new Map<string, number[]>();
  for (let i = 0; i < L; i++) {
    const key = `${a.start[i]},${a.count[i]},${withBias ? a.biasStart[i] : 0}`;
    const members = byWindow.get(key);
    if (members === undefined) byWindow.set(key, [i]);
    else members.push(i);
  }
  const table = new Int32Array(2 * L + 2);
  table[0] = byWindow.size;
  let at = 0;
  let group = 0;
  let largest = 0;
  let odd = 0;
  for (const members of byWindow.values()) {
    odd += members.length % 2;
    table[1 + group] = at;
    for (const m of members) table[2 + L + at++] = m;
    largest = Math.max(largest, members.length);
    group++;
  }
  table[1 + group] = at;
  return { table, groups: byWindow.size, odd, largest };
}

/** The groups of one axis, built once per axis geometry (geometry.ts caches those). */
export function axisGroups(a: AxisGeometry, withBias: boolean): AxisGroups {
  let perBias = cache.get(a);
  if (perBias === undefined) cache.set(a, (perBias = new Map()));
  let groups = perBias.get(withBias);
  if (groups === undefined) perBias.set(withBias, (groups = buildAxisGroups(a, withBias)));
  return groups;
}

/** What the grouped forward needs beyond the window tables: the three axes' group tables and its scratch bytes. */
export interface GroupTiling {
  readonly tables: readonly Int32Array[];
  /** Bytes past window.ts's scratch: a second logits row and the largest group's query positions. */
  readonly extraScratchBytes: number;
}

/**
 * The stride-group tiling of `p` (`withBias`: rpb is read, so groups also share their bias start), or null where
 * the per-query kernel is the better one: groups of fewer than two queries on average (stride 1), or so many
 * groups of an odd size (whose last query the grouped kernel runs twice) that they waste over 1/16 of the work
 * (more than running pairs saves).
 */
export function groupTiling(p: NAProblem, withBias: boolean): GroupTiling | null {
  const groups = [axisGroups(p.planes, withBias), axisGroups(p.rows, withBias), axisGroups(p.cols, withBias)];
  const product = (of: (g: AxisGroups) => number) => groups.reduce((n, g) => n * of(g), 1);
  const queries = p.planes.length * p.rows.length * p.cols.length;
  // A 3-D group's size is odd exactly when it is odd on every axis.
  if (2 * product((g) => g.groups) > queries || 16 * product((g) => g.odd) > queries) return null;
  return { tables: groups.map((g) => g.table), extraScratchBytes: 16 * Math.ceil(p.slots / 4) + 4 * product((g) => g.largest) };
}
