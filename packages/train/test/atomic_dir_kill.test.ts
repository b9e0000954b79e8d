// SPDX-License-Identifier: MIT
// kill -9 at every step of an atomic directory write (issue 17), as `convert --out` (new directory) and
// `convert --overwrite` (replacement) do it with a real model directory: afterwards the destination holds the old
// or the new model, complete, and after the next run (recoverDirAtomic, which every write and read starts with)
// it holds one of them and no staging or old folder is left. Runs the built package in a child process.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readModelDir } from '../src/index.js';
import { recoverDirAtomic } from '../src/advanced.js';

const REPO = resolve(__dirname, '../../..');
const SHIPPED = join(REPO, 'checkpoints/cct_2_3x2_32.cifar10');
const ATOMIC_DIR = join(REPO, 'packages/train/dist/io/atomic_dir.js');
const FILES = ['model.json', 'weights.bin', 'preprocess.json'];
const STEPS = ['staging-created', ...FILES.map((f) => `file-written:${f}`), 'staged', 'old-moved', 'new-moved', 'old-removed'];
const root = mkdtempSync(join(tmpdir(), 'natzoo-atomic-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The child: writes the "new" model (the shipped files, weights reversed) to argv[2], killing itself at argv[3]. */
const CHILD = `
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
const { writeDirAtomic } = await import(process.env.ATOMIC_DIR);
const [dir, killAt, overwrite] = process.argv.slice(1);
const files = new Map();
for (const name of ${JSON.stringify(FILES)}) files.set(name, readFileSync(join(process.env.SHIPPED, name)));
files.set('weights.bin', Uint8Array.from(files.get('weights.bin')).reverse());
await writeDirAtomic(dir, files, overwrite === 'yes', (step) => { if (step === killAt) process.kill(process.pid, 'SIGKILL'); });
`;

const weightsOf = (dir: string): Buffer => readFileSync(join(dir, 'weights.bin'));
const oldWeights = weightsOf(SHIPPED);
const newWeights = Buffer.from(oldWeights).reverse();

/** 'old', 'new', 'absent', or a throw when the directory is there but holds neither model whole. */
function holds(dir: string): string {
  if (!existsSync(dir)) return 'absent';
  expect(readdirSync(dir).sort()).toEqual([...FILES].sort());
  const weights = weightsOf(dir);
  if (weights.equals(oldWeights)) return 'old';
  if (weights.equals(newWeights)) return 'new';
  throw new Error(`${dir} holds neither model`);
}

function killedAt(step: string, overwrite: boolean): { dest: string; outcome: string; left: string[] } {
  const parent = join(root, `${overwrite ? 'overwrite' : 'out'}-${step.replace(/[^a-z.]/g, '_')}`);
  const dest = join(parent, 'model');
  mkdirSync(overwrite ? dest : parent, { recursive: true });
  if (overwrite) for (const name of FILES) cpSync(join(SHIPPED, name), join(dest, name));
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, dest, step, overwrite ? 'yes' : 'no'], {
    env: { ...process.env, ATOMIC_DIR, SHIPPED }, encoding: 'utf8',
  });
  expect(run.signal, run.stderr).toBe('SIGKILL');
  return { dest, outcome: holds(dest), left: readdirSync(parent).filter((n) => n !== 'model') };
}

const built = existsSync(ATOMIC_DIR);
if (!built) console.warn('skipping: needs the built package (run pnpm build first)');

describe('atomic directory writes under kill -9 (issue 17)', () => {
  it.runIf(built)('convert --out and --overwrite: old or new model at every step, nothing stale after the next run', async () => {
    const table: string[] = [];
    for (const overwrite of [false, true]) {
      for (const step of STEPS) {
        if (!overwrite && (step === 'old-moved' || step === 'old-removed')) continue; // no old directory to move
        const { dest, outcome, left } = killedAt(step, overwrite);
        const before = step.startsWith('file') || step === 'staging-created' || step === 'staged';
        // Before the swap the old (or no) model; after it the new one; between the two renames, briefly absent.
        const expected = before ? (overwrite ? 'old' : 'absent') : step === 'old-moved' ? 'absent' : 'new';
        expect(outcome, `${overwrite ? '--overwrite' : '--out'} killed at ${step}`).toBe(expected);
        // What the next run does first: a write recovers; so does a read of the missing directory (classify, eval).
        if (step === 'old-moved') await readModelDir(dest);
        else await recoverDirAtomic(dest);
        const recovered = holds(dest);
        expect(recovered === 'absent' ? !overwrite && before : true, `after recovery at ${step}`).toBe(true);
        expect(readdirSync(join(dest, '..')).filter((n) => n !== 'model'), `stale folders after ${step}`).toEqual([]);
        if (recovered !== 'absent') await readModelDir(dest);
        table.push(`${overwrite ? '--overwrite' : '--out      '}  ${step.padEnd(28)} left: ${outcome.padEnd(6)} ${String(left.length)} folder(s)  after next run: ${recovered}`);
      }
    }
    console.log(table.join('\n'));
  });
});
