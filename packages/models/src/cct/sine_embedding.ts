// SPDX-License-Identifier: MIT
// Compact-Transformers' fixed sinusoidal positional table (`TransformerClassifier.sinusoidal_embedding`).

/**
 * `pe[p, i] = sin(a)` for even `i`, `cos(a)` for odd `i`, with `a = p / 10000 ** (2 * floor(i / 2) / dim)`.
 * Upstream computes `a` in float64, stores it as float32 and only then takes sin/cos; rounding `a` first keeps
 * this table within 1e-7 of upstream's (a table computed fully in float64 differs by up to 7.6e-6).
 * Returns `[positions, dim]` row-major.
 */
export function sineTable(positions: number, dim: number): Float32Array {
  const table = new Float32Array(positions * dim);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < dim; i++) {
      const angle = Math.fround(p / 10000 ** ((2 * Math.floor(i / 2)) / dim));
      table[p * dim + i] = i % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return table;
}
