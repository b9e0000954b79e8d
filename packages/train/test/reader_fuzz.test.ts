// SPDX-License-Identifier: MIT
// Our own fuzz test (issue 17): seeded mutations (byte flips, bit flips, truncation at structural boundaries,
// length-field bombs, splices, numbers in headers made absurd) of real fixture files and generated ones, for every
// reader, each run by the built package in a child process with a memory cap and a watchdog. Only typed errors or
// correct loads pass: a crash, hang (no answer in 10 s), slow case (over 2 s), memory blow-up (peak RSS up over
// 200 MB in one case), untyped error or wrong load fails the test. It prints counts per reader and outcome.
// The bombs run first, unmutated. CI runs 320 mutated cases; NATZOO_FUZZ_LONG=1 runs 5000 (NATZOO_FUZZ_CASES and NATZOO_FUZZ_SEED override).
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename as basenameOf, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedPath } from '../../../tests/support/shared_dir.js';
import { loadStateDict, saveTrainCheckpoint, writeSafetensors } from '../src/index.js';
import { type ArrayTensor } from '../src/advanced.js';
import { f32Bytes, legacyFile, stateDictPickle, torchZip, type TensorSpec } from './support/torch_files.js';
import { SAMPLE_META } from './support/train_meta.js';

const REPO = resolve(__dirname, '../../..');
const DIST = join(REPO, 'packages/train/dist');
const CHILD = join(__dirname, 'support/fuzz_child.mjs');
const LONG = process.env['NATZOO_FUZZ_LONG'] === '1';
const CASES = Number(process.env['NATZOO_FUZZ_CASES'] ?? (LONG ? 5000 : 320));
const SEED = Number(process.env['NATZOO_FUZZ_SEED'] ?? 17);
const HANG_MS = 10_000;
const SLOW_MS = 2000;
const MEMORY_MB = 200;

const work = mkdtempSync(join(tmpdir(), 'natzoo-fuzz-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Base {
  reader: string;
  path: string;
  extension: string;
}

/** The files the mutations start from: real fixtures where the repository has them, generated ones otherwise. */
async function buildBases(): Promise<Base[]> {
  const at = (name: string) => join(work, name);
  const checkpoint = sharedPath('fixtures', 'models', 'cvt_4_32_tiny', 'checkpoint.pth');
  const tensors = new Map<string, ArrayTensor>();
  for (const [name, tensor] of [...(await loadStateDict(checkpoint))].slice(0, 12)) tensors.set(name, { dtype: 'float32', shape: tensor.shape, data: await tensor.toFloat32() });
  await writeSafetensors(at('weights.safetensors'), tensors);
  const specs: TensorSpec[] = [0, 1, 2].map((i) => ({ name: `layer${i}.weight`, storageClass: 'FloatStorage', key: String(i), storageNumel: 6, shape: [2, 3], stride: [3, 1] }));
  writeFileSync(at('legacy.pth'), legacyFile(stateDictPickle(specs, true), specs.map((s, i) => ({ key: s.key, numel: 6, data: f32Bytes([i, 1, 2, 3, 4, 5]) }))));
  const model = at('model');
  mkdirSync(model);
  for (const name of ['model.json', 'weights.bin', 'preprocess.json']) cpSync(join(REPO, 'checkpoints/cct_2_3x2_32.cifar10', name), join(model, name));
  const weights = { shape: [4], data: new Float32Array([1, 2, 3, 4]) };
  await saveTrainCheckpoint(at('train.safetensors'), SAMPLE_META, { model: new Map([['w', weights]]), optim: new Map([['exp_avg/w', weights]]), ema: null });
  writeFileSync(at('cifar.bin'), Uint8Array.from({ length: 4 * 3073 }, (_, i) => (i % 3073 === 0 ? i % 10 : (i * 7) % 256)));
  await sharp({ create: { width: 16, height: 12, channels: 3, background: '#336699' } }).png().toFile(at('image.png'));
  return [
    { reader: 'torch-zip', path: checkpoint, extension: '.pth' },
    { reader: 'torch-legacy', path: at('legacy.pth'), extension: '.pth' },
    { reader: 'safetensors', path: at('weights.safetensors'), extension: '.safetensors' },
    { reader: 'npy', path: sharedPath('fixtures', 'models', 'cvt_4_32_tiny', 'input.npy'), extension: '.npy' },
    { reader: 'model-dir', path: model, extension: '' },
    { reader: 'train-checkpoint', path: at('train.safetensors'), extension: '.safetensors' },
    { reader: 'cifar', path: at('cifar.bin'), extension: '.bin' },
    { reader: 'image', path: at('image.png'), extension: '.png' },
  ];
}

/** The memory and time bombs, generated small, run unmutated in the child for their time and memory. */
async function buildBombs(model: string): Promise<Base[]> {
  const at = (name: string) => join(work, name);
  writeFileSync(at('dicts.pth'), torchZip(new Uint8Array(20 * 2 ** 20).fill(0x7d), {}, { deflate: true }));
  const expanded: TensorSpec[] = Array.from({ length: 16 }, (_, i) => ({ name: `t${i}`, storageClass: 'FloatStorage', key: '0', storageNumel: 4, shape: [2 ** 14, 2 ** 14], stride: [0, 0] }));
  writeFileSync(at('expand.pth'), torchZip(stateDictPickle(expanded), { '0': f32Bytes([1, 2, 3, 4]) }));
  const long4 = new Uint8Array(5 * 4101 + 4).fill(0x41);
  long4.set([0x80, 2, 0x28]);
  for (let i = 0; i < 5; i++) long4.set([0x8b, 0, 0x10, 0, 0], 3 + i * 4101);
  writeFileSync(at('long4.pth'), torchZip(long4, {}));
  await sharp({ create: { width: 100_000, height: 1, channels: 3, background: '#808080' } }).png().toFile(at('strip.png'));
  const cyclic = at('cyclic');
  cpSync(model, cyclic, { recursive: true });
  const json = JSON.parse(readFileSync(join(cyclic, 'model.json'), 'utf8')) as { modelTopology: { config: { layers: { name: string; inbound_nodes: unknown }[] } } };
  const layers = json.modelTopology.config.layers;
  layers[1]!.inbound_nodes = [[[layers[5]!.name, 0, 0, {}]]];
  writeFileSync(join(cyclic, 'model.json'), JSON.stringify(json));
  return [
    { reader: 'torch-zip', path: at('dicts.pth'), extension: '.pth' },
    { reader: 'torch-zip', path: at('expand.pth'), extension: '.pth' },
    { reader: 'torch-zip', path: at('long4.pth'), extension: '.pth' },
    { reader: 'image', path: at('strip.png'), extension: '.png' },
    { reader: 'model-dir', path: cyclic, extension: '' },
  ];
}

interface CaseResult {
  index: number;
  reader: string;
  kind: string;
  outcome: string;
  ms: number;
  peakMB: number;
}

/** Runs cases [first, end) in child processes, restarting after a case that kills or hangs its child. */
async function runCases(manifest: string, readerOf: (index: number) => string, end: number): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  let next = 0;
  while (next < end) {
    const child = spawn(process.execPath, ['--max-old-space-size=1024', CHILD, manifest, String(SEED), String(next), String(end)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let current = -1;
    let hung = false;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    let watchdog = setTimeout(() => undefined, 0);
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        hung = true;
        child.kill('SIGKILL');
      }, HANG_MS);
    };
    arm();
    for await (const line of createInterface({ input: child.stdout })) {
      const message = JSON.parse(line) as { start?: number } & CaseResult;
      arm();
      if (message.start !== undefined) current = message.start;
      else {
        results.push(message);
        current = -1;
        next = message.index + 1;
      }
    }
    const code = await new Promise<number | null>((done) => (child.exitCode !== null ? done(child.exitCode) : child.on('exit', done)));
    clearTimeout(watchdog);
    if (current >= 0) {
      results.push({ index: current, reader: readerOf(current), kind: '?', outcome: hung ? 'hang' : `crash: exit ${code} ${stderr.slice(-300)}`, ms: 0, peakMB: 0 });
      next = current + 1;
    } else if (next < end) {
      throw new Error(`fuzz child exited (${code}) between cases: ${stderr}`);
    }
  }
  return results;
}

/** The outcome class a case counts under: 'loaded', 'typed', or a failure. */
function verdict(r: CaseResult): string {
  if (r.outcome.startsWith('typed:') || r.outcome === 'loaded') {
    if (r.ms > SLOW_MS) return 'slow';
    if (r.peakMB > MEMORY_MB) return 'memory';
    return r.outcome === 'loaded' ? 'loaded' : 'typed';
  }
  return r.outcome.split(':')[0]!;
}

const built = existsSync(join(DIST, 'index.js'));
if (!built) console.warn('skipping: needs the built package (run pnpm build first)');

describe('reader fuzz test (issue 17)', () => {
  it.runIf(built)(`${CASES} seeded mutations (seed ${SEED}): typed errors or correct loads only`, async () => {
    const bases = await buildBases();
    const exact = await buildBombs(bases.find((b) => b.reader === 'model-dir')!.path);
    const manifest = join(work, 'manifest.json');
    writeFileSync(manifest, JSON.stringify({ trainDist: join(DIST, 'advanced.js'), zipDirectory: join(DIST, 'checkpoint/zip_directory.js'), workDir: work, exact, bases }));
    const readerOf = (i: number): string => (i < exact.length ? exact[i]! : bases[(i - exact.length) % bases.length]!).reader;
    const results = await runCases(manifest, readerOf, exact.length + CASES);
    expect(results).toHaveLength(exact.length + CASES);
    const bombs = results.slice(0, exact.length);
    console.log(bombs.map((r) => `bomb ${basenameOf(exact[r.index]!.path).padEnd(11)} ${r.outcome.padEnd(22)} ${r.ms} ms, peak +${r.peakMB} MB`).join('\n'));
    for (const r of bombs) expect(r.outcome, exact[r.index]!.path).toMatch(/^typed:/);
    const counts = new Map<string, Map<string, number>>();
    for (const r of results) {
      const row = counts.get(r.reader) ?? new Map<string, number>();
      row.set(verdict(r), (row.get(verdict(r)) ?? 0) + 1);
      if (r.outcome.startsWith('typed:')) row.set(r.outcome.slice(6), (row.get(r.outcome.slice(6)) ?? 0) + 1);
      counts.set(r.reader, row);
    }
    const columns = ['loaded', 'typed', 'untyped', 'crash', 'hang', 'slow', 'memory', 'wrong-load'];
    const lines = [`reader          ${columns.map((c) => c.padStart(11)).join('')}  slowest  peak+MB  typed errors`];
    for (const [reader, row] of counts) {
      const mine = results.filter((r) => r.reader === reader);
      const slowest = Math.max(...mine.map((r) => r.ms));
      const peak = Math.max(...mine.map((r) => r.peakMB));
      const typedNames = [...row].filter(([k]) => /Error$/.test(k)).map(([k, n]) => `${k} ${n}`).join(', ');
      lines.push(`${reader.padEnd(16)}${columns.map((c) => String(row.get(c) ?? 0).padStart(11)).join('')}  ${String(slowest).padStart(4)} ms  ${String(peak).padStart(7)}  ${typedNames}`);
    }
    console.log(lines.join('\n'));
    const failures = results.filter((r) => !['loaded', 'typed'].includes(verdict(r)));
    expect(failures.map((r) => `case ${r.index} ${r.reader} ${r.kind}: ${verdict(r)} ${r.outcome} (${r.ms} ms, ${r.peakMB} MB)`)).toEqual([]);
  });
});
