// SPDX-License-Identifier: MIT
// Plain-text tables, the machine description and the JSON results file for the benchmark scripts.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * @typedef {object} Column
 * @property {string} title
 * @property {(row: any) => string} cell
 * @property {boolean} [left] left-aligned (text); numbers are right-aligned
 */

const fmt = (/** @type {number | null | undefined} */ x, digits = 1) => (x == null || !Number.isFinite(x) ? '' : x.toFixed(digits));
const ratio = (/** @type {number | null | undefined} */ x) => (x == null ? '' : `${x.toFixed(x < 10 ? 2 : 1)}x`);

/** Milliseconds with three significant digits (0.123, 12.3, 1234). */
export function ms(/** @type {number | null | undefined} */ x) {
  if (x == null) return '';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}

/** The columns every section shares. */
export const COMMON_COLUMNS = /** @type {Column[]} */ ([
  { title: 'backend', cell: (r) => r.backend, left: true },
  { title: 'shape', cell: (r) => `${r.size}x${r.size}x${r.channels} h${r.heads}`, left: true },
  { title: 'batch', cell: (r) => String(r.batch) },
  { title: 'dil', cell: (r) => String(r.dilation) },
  { title: 'impl', cell: (r) => (r.impl === 'na2d' ? 'na2d fused' : r.impl), left: true },
  { title: 'pass', cell: (r) => r.pass, left: true },
  { title: 'median ms', cell: (r) => ms(r.medianMs) },
  { title: 'runs', cell: (r) => (r.runs ? String(r.runs) : '') },
  { title: 'vs composite', cell: (r) => ratio(r.speedupVsComposite) },
  { title: 'vs dense', cell: (r) => ratio(r.speedupVsDense) },
  { title: 'peak MB', cell: (r) => fmt(r.peakBytes == null ? null : r.peakBytes / 1e6) },
  { title: 'peak/io', cell: (r) => fmt(r.peakToIo, 2) },
]);

export const NOTE_COLUMN = /** @type {Column} */ ({ title: 'note', cell: (r) => r.note ?? '', left: true });

/**
 * Prints rows as an aligned table to stdout.
 * @param {string} title @param {Column[]} columns @param {object[]} rows @param {string[]} [footnotes]
 */
export function printTable(title, columns, rows, footnotes = []) {
  const cells = rows.map((r) => columns.map((c) => c.cell(r)));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((row) => row[i].length)));
  const line = (/** @type {string[]} */ row) =>
    row.map((text, i) => (columns[i].left ? text.padEnd(widths[i]) : text.padStart(widths[i]))).join('  ').trimEnd();
  console.log(`\n## ${title}`);
  for (const note of footnotes) console.log(`# ${note}`);
  console.log(line(columns.map((c) => c.title)));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of cells) console.log(line(row));
}

/** Writes JSON atomically: a temp file in the same directory, then rename (readers never see half a file). */
export function writeJsonAtomic(/** @type {string} */ file, /** @type {unknown} */ data) {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${process.pid}.${Date.now()}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`);
  renameSync(tmp, file);
}

/** The machine a benchmark ran on, for its JSON file: other work on the cores shows in the load average. */
export function machineInfo() {
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    loadAverageAtStart: loadavg(),
  };
}
