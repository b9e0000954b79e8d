// SPDX-License-Identifier: MIT
// The workgroup tiling shared by the tiled QK, AV and fused programs. A workgroup owns a T0 x T1 tile of
// queries of one (batch, head, plane) inside one dilation group; their windows cover at most (T0+k1-1) x (T1+k2-1)
// keys of that group per key plane at stride 1, and (T0-s1+k1) x (T1-s2+k2) for a tile of whole stride groups,
// whose queries share one window each (tileShape; all queries of one plane share the plane window). The tile stages that union in workgroup memory a block of whole key rows at a time
// (or column chunks of one row when a row does not fit), so each key is read from global memory once per
// tile instead of once per query; every thread then uses the staged keys that fall in its own window.
// Staging as many rows as fit keeps barriers few: on lavapipe each barrier switches every invocation's
// coroutine, and with one row per barrier pair the barriers alone took half the fused kernel's time.
import type { NAProblem } from '../../geometry.js';
import { TILE_THREADS, WORKGROUP_INDEX, tileCount } from './na_program.js';
import type { CausalFlags, NAProgramSetup, TileShape } from './na_program.js';

/** Largest head dim the tiled programs stage (each thread holds up to two DB4-vec4 rows in registers). */
export const TILED_MAX_HEAD_DIM = 128;

export const tiledFits = (headDim: number): boolean => headDim > 0 && headDim <= TILED_MAX_HEAD_DIM;

/** vec4s per channel row baked into a tiled shader: the next power of two of ceil(D / 4) (a capacity). */
export function channelBucket(headDim: number): number {
  let db4 = 1;
  while (db4 * 4 < headDim) db4 *= 2;
  return db4;
}

/** vec4 slots per staged tensor: the device's workgroup storage (16 KiB by default, 32 KiB at most used)
 *  shared by the staged tensors, rounded down to a power of two. */
export function stageCapacity(maxWorkgroupStorageBytes: number, stagedTensors: number): number {
  const total = Math.min(Math.max(maxWorkgroupStorageBytes, 16384), 32768) / 16;
  let cap = 1;
  while (cap * 2 <= total / stagedTensors) cap *= 2;
  return cap;
}

/** `f(0) f(1) ... f(db4 - 1)`: channel loops written out, so per-thread rows are plain registers. */
export const unroll = (db4: number, f: (c: number) => string): string =>
  Array.from({ length: db4 }, (_, c) => f(c)).join('\n');

/** What a tiled program is built from: its structure (vec4, db4, stageVec4) and the problem's tiles. */
export interface TiledSetup {
  /** headDim % 4 == 0: token buffers bound as array<vec4<f32>>. */
  vec4: boolean;
  /** vec4s per channel row (channelBucket). */
  db4: number;
  /** vec4 slots of workgroup memory per staged tensor (stageCapacity). */
  stageVec4: number;
  problem: NAProblem;
  tile: TileShape;
}

/** The structural part of a tiled program's shaderKey (sizes stay uniforms). */
export const tiledKey = (t: TiledSetup): string => `${t.vec4}_${t.db4}_${t.stageVec4}`;

/** One workgroup per tile, plane, head and batch entry. */
export const tiledWorkgroups = (t: TiledSetup): number => tileCount(t.problem, t.tile);

/** Setup of a tiled program that reads token buffers `tokens` (then rpb, with `hasBias`) and writes tokens or logits. */
export function tiledTokenSetup(
  kind: string,
  outputShape: number[],
  causal: CausalFlags,
  hasBias: boolean,
  setup: TiledSetup,
  tokens: string[],
  tokenOutput: boolean,
): NAProgramSetup {
  const token = setup.vec4 ? 4 : 1;
  return {
    outputShape,
    variableNames: hasBias ? [...tokens, 'biasBuf'] : tokens,
    variableComponents: [...tokens.map(() => token), ...(hasBias ? [1] : [])],
    outputComponent: tokenOutput ? token : 1,
    shaderKey: `na${kind}_${causal.join('_')}_${hasBias}_${tiledKey(setup)}`,
    workgroups: tiledWorkgroups(setup),
  };
}

export interface TiledParts {
  setup: TiledSetup;
  /** Token buffers staged (each gets `stage_<name>` and needs `load_<name>`). */
  staged: string[];
  /** Per thread, before the bands; may use b, h, pos (vec3 plane/row/col), qValid, count (vec3), pb (vec3). */
  before: string;
  /** Per key of the thread's window among the staged ones; adds n (vec3 slot coordinates) and `local`. */
  perKey: string;
  /** Per thread, after the bands. */
  after: string;
}

export function tiledMain(p: TiledParts): string {
  const { db4, stageVec4 } = p.setup;
  const declare = p.staged.map((n) => `var<workgroup> stage_${n} : array<vec4<f32>, ${stageVec4}>;`).join('\n');
  const load = p.staged
    .map((n) => `var v_${n} = vec4<f32>(0.0);\nif (ok) { v_${n} = load_${n}(base, c); }\nstage_${n}[e] = v_${n};`)
    .join('\n');
  return `
    ${declare}
    const DB4 = ${db4};
    const COLS = ${stageVec4 / db4};
    fn main(index : i32) {
      let li = i32(localIndex);
      let wg = ${WORKGROUP_INDEX};
      let tiles1 = uniforms.dilation[1] * uniforms.tilesPerGroup[0];
      let tiles2 = uniforms.dilation[2] * uniforms.tilesPerGroup[1];
      // Surplus workgroups (dispatch folding) stay inactive but still take part in every barrier.
      let inRange = wg < uniforms.batch * uniforms.heads * uniforms.spatial[0] * tiles1 * tiles2;
      var rest = wg;
      let t2 = rest % tiles2; rest = rest / tiles2;
      let t1 = rest % tiles1; rest = rest / tiles1;
      // A workgroup holds one plane: its queries share the plane window.
      let plane = rest % uniforms.spatial[0]; rest = rest / uniforms.spatial[0];
      let h = rest % uniforms.heads;
      let b = rest / uniforms.heads;
      let g0 = plane % uniforms.dilation[0];
      let lg0 = groupLen0(g0);
      let ig0 = min(plane / uniforms.dilation[0], lg0 - 1);
      let s0 = winStart0(ig0, lg0);
      let g1 = t1 / uniforms.tilesPerGroup[0];
      let g2 = t2 / uniforms.tilesPerGroup[1];
      let first1 = (t1 % uniforms.tilesPerGroup[0]) * uniforms.tile[0];
      let first2 = (t2 % uniforms.tilesPerGroup[1]) * uniforms.tile[1];
      let lg1 = groupLen1(g1);
      let lg2 = groupLen2(g2);
      // Group coordinates of the first key row and column of the tile's union of windows.
      let u1 = winStart1(min(first1, lg1 - 1), lg1);
      let u2 = winStart2(min(first2, lg2 - 1), lg2);
      let ig1 = first1 + li / uniforms.tile[1];
      let ig2 = first2 + li % uniforms.tile[1];
      // Tiles of whole stride groups may use fewer than all threads (7x7 of 64 when blocked at k7).
      let qValid = inRange && li < uniforms.tile[0] * uniforms.tile[1] && ig1 < lg1 && ig2 < lg2;
      let pos = vec3<i32>(plane, ig1 * uniforms.dilation[1] + g1, ig2 * uniforms.dilation[2] + g2);
      let s1 = winStart1(min(ig1, lg1 - 1), lg1);
      let s2 = winStart2(min(ig2, lg2 - 1), lg2);
      let count = vec3<i32>(winCount0(ig0, s0), winCount1(ig1, s1), winCount2(ig2, s2));
      let pb = vec3<i32>(biasStart0(ig0, lg0, s0), biasStart1(min(ig1, lg1 - 1), lg1, s1), biasStart2(min(ig2, lg2 - 1), lg2, s2));
      ${p.before}
      // Per key plane of the window, stage blocks of whole key rows (rowsPer of them) or, when a row is wider
      // than COLS, column chunks. The plane loop runs to the kernel size (a uniform) so barriers stay uniform.
      let colChunks = (uniforms.unionCols + COLS - 1) / COLS;
      let rowsPer = max(1, COLS / uniforms.unionCols);
      let rowBlocks = (uniforms.bands + rowsPer - 1) / rowsPer;
      for (var n0 = 0; n0 < uniforms.kernel[0]; n0++) {
        let planeUsed = n0 < count.x;
        let kp = (s0 + n0) * uniforms.dilation[0] + g0;
        for (var block = 0; block < rowBlocks; block++) {
          let r0 = block * rowsPer;
          let rows = min(rowsPer, uniforms.bands - r0);
          for (var chunk = 0; chunk < colChunks; chunk++) {
            let c0 = u2 + chunk * COLS;
            let cols = min(COLS, uniforms.unionCols - chunk * COLS);
            workgroupBarrier();
            for (var e = li; e < rows * cols * DB4; e += ${TILE_THREADS}) {
              let c = e % DB4;
              let kg1 = u1 + r0 + e / (cols * DB4);
              let kg2 = c0 + (e / DB4) % cols;
              let ok = inRange && planeUsed && kg1 < lg1 && kg2 < lg2 && c * 4 < uniforms.headDim;
              let keyAt = vec3<i32>(kp, kg1 * uniforms.dilation[1] + g1, kg2 * uniforms.dilation[2] + g2);
              let base = select(0, kvBase(b, keyAt, h), ok);
              ${load}
            }
            workgroupBarrier();
            // Every thread walks all staged keys and keeps those of its own window: the loop indices (hence
            // the workgroup-memory addresses) are the same in all threads, so loads are broadcasts, not gathers.
            for (var r = 0; r < rows; r++) {
              let n1 = u1 + r0 + r - s1;
              let rowUsed = qValid && planeUsed && n1 >= 0 && n1 < count.y;
              for (var j = 0; j < cols; j++) {
                let n2 = c0 + j - s2;
                if (rowUsed && n2 >= 0 && n2 < count.z) {
                  let local = (r * cols + j) * DB4;
                  let n = vec3<i32>(n0, n1, n2);
                  ${p.perKey}
                }
              }
            }
          }
        }
      }
      ${p.after}
    }`;
}

/** Registers `<name>_0 .. <name>_{db4-1}` holding the thread's own token row of `buffer` (zeros past headDim). */
export function loadPrivateRow(name: string, buffer: string, db4: number): string {
  return `
      ${unroll(db4, (c) => `var ${name}_${c} = vec4<f32>(0.0);`)}
      if (qValid) {
        let rowBase = tokenBase(b, pos, h);
        ${unroll(db4, (c) => `if (${4 * c} < uniforms.headDim) { ${name}_${c} = load_${buffer}(rowBase, ${c}); }`)}
      }`;
}
