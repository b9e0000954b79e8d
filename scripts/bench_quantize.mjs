// SPDX-License-Identifier: MIT
// Quantized weights (not a test): bytes on disk and what float16 / uint8 storage (`natzoo convert --quantize`)
// costs. For the shipped CCT-2 (converted again from its checkpoint) the top-1 on the 1017 CIFAR-10 test images
// and how many top-1 answers change against float32; for a NAT fixture (nat_k7_224, 224 px) the logit change
// against the fixture's float64 upstream logits. Prints a table and writes bench-results/quantize.json.
//
//   pnpm build && node scripts/bench_quantize.mjs [--out=file.json]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { convertCheckpoint, loadModelDir, readNpy } from '@natzoo/train';
import { machineInfo, printTable, writeJsonAtomic } from './bench/report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const shared = process.env.NATZOO_SHARED ?? join(root, '..', 'shared');
const out = process.argv.find((a) => a.startsWith('--out='))?.slice(6) ?? join(root, 'bench-results', 'quantize.json');
const cli = join(root, 'packages/cli/dist/main.js');
const cifar = join(shared, 'data/cifar10/test_batch_first1017.bin');
const cctCheckpoint = join(shared, 'fixtures/checkpoints/cct_2_3x2_32_cifar10/model_best.pth.tar');
const natDir = join(shared, 'fixtures/models/nat_k7_224');
const OPTIONS = ['float32', 'float16', 'uint8'];

const work = mkdtempSync(join(tmpdir(), 'natzoo-quantize-'));
const weightBytes = (dir) => readdirSync(dir).filter((f) => f.endsWith('.bin')).reduce((n, f) => n + statSync(join(dir, f)).size, 0);

/** Top-1 and per-image argmax of `natzoo eval` on the 1017 images. */
function evalCifar(dir) {
  const logitsFile = join(dir, 'logits.npy');
  const result = JSON.parse(execFileSync(process.execPath, [cli, 'eval', '--model', dir, '--data', `cifar10:${cifar}`, '--save-logits', logitsFile, '--json', '--backend', 'wasm'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  return { top1: result.top1, logitsFile };
}

async function argmaxRows(file) {
  const { data, shape } = await readNpy(file);
  return Array.from({ length: shape[0] }, (_, i) => {
    const row = data.subarray(i * shape[1], (i + 1) * shape[1]);
    return row.indexOf(Math.max(...row));
  });
}

try {
  await tf.setBackend('wasm');
  const rows = [];
  let reference;
  const natExpected = (await readNpy(join(natDir, 'logits.npy'))).data;
  const natInput = await readNpy(join(natDir, 'input.npy'));
  const natConfig = JSON.parse(readFileSync(join(natDir, 'fixture.json'), 'utf8')).constructor_kwargs;
  for (const option of OPTIONS) {
    const quantize = option === 'float32' ? undefined : option;
    const cctOut = join(work, `cct-${option}`);
    await convertCheckpoint({ checkpoint: cctCheckpoint, model: 'cct_2_3x2_32.cifar10', out: cctOut, quantize });
    const { top1, logitsFile } = evalCifar(cctOut);
    const argmax = await argmaxRows(logitsFile);
    reference ??= argmax;
    const changed = argmax.filter((a, i) => a !== reference[i]).length;

    const natOut = join(work, `nat-${option}`);
    await convertCheckpoint({ checkpoint: join(natDir, 'state_dict.pth'), model: 'nat_mini', config: natConfig, out: natOut, quantize });
    const { model } = await loadModelDir(natOut);
    const logits = tf.tidy(() => model.predict(tf.tensor4d(natInput.data, natInput.shape).transpose([0, 2, 3, 1])));
    const ours = await logits.data();
    logits.dispose();
    model.dispose();
    const scale = natExpected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const worst = ours.reduce((m, v, i) => Math.max(m, Math.abs(v - natExpected[i])), 0);
    rows.push({ option, cctBytes: weightBytes(cctOut), cctTop1: top1 * 100, cctTop1Changed: changed, images: argmax.length, natBytes: weightBytes(natOut), natMaxAbsDiff: worst, natRelDiff: worst / scale });
    console.error(`${option}: done`);
  }
  printTable(
    'Quantized weights: bytes, CIFAR-10 top-1 of the shipped CCT-2 (1017 images), NAT fixture logit change',
    [
      { title: 'weights', cell: (r) => r.option, left: true },
      { title: 'CCT bytes', cell: (r) => String(r.cctBytes) },
      { title: 'top-1 %', cell: (r) => r.cctTop1.toFixed(2) },
      { title: 'top-1 changed', cell: (r) => `${r.cctTop1Changed}/${r.images}` },
      { title: 'NAT bytes', cell: (r) => String(r.natBytes) },
      { title: 'NAT max|dlogit|', cell: (r) => r.natMaxAbsDiff.toExponential(2) },
      { title: 'rel. to max|logit|', cell: (r) => r.natRelDiff.toExponential(2) },
    ],
    rows,
    ['float32 is the reference for "top-1 changed"; NAT logits are compared with the fixture\'s float64 upstream logits'],
  );
  writeJsonAtomic(out, { machine: machineInfo(), rows });
  console.error(`wrote ${out}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
