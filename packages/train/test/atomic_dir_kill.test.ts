// SPDX-License-Identifier: MIT
// kill -9 at every step of an atomic directory write (issue 17), as `convert --out` (new directory) and
// `convert --overwrite` (replacement) do it with a real model directory: afterwards the destination holds the old
// or the new model, complete, and after the next run (recoverDirAtomic, which every write and read starts with)
// it holds one of them and no staging, link or old folder is left. Replacing a directory written this way (a link
// to a version) never leaves it missing; replacing a plain directory (written before versions, or by hand), or
// writing without links (`links: false`, as on Windows) leaves it missing between two renames until the next run.
// Runs the built package in a child process.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readModelDir } from '../src/index.js';
import { recoverDirAtomic } from '../src/advanced.js';

const REPO = resolve(__dirname, '../../..');
const SHIPPED = join(REPO, 'checkpoints/cct_2_3x2_32.cifar10');
const ATOMIC_DIR = join(REPO, 'packages/train/dist/io/atomic_dir.js');
const FILES = ['model.json', 'weights.bin', 'preprocess.json'];
// One file step stands for all three (they differ only in which files the staging folder holds).
const STEPS = ['staging-created', 'file-written:weights.bin', 'staged', 'version-ready', 'link-created', 'old-moved', 'new-moved', 'old-removed'];
const BEFORE_SWAP = new Set(STEPS.slice(0, STEPS.indexOf('old-moved')));
const root = mkdtempSync(join(tmpdir(), 'natzoo-atomic-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * The child: writes the "new" model (the shipped files, weights reversed; unreversed with REVERSE=no, the old one)
 * to argv[2], killing itself at argv[3].
 */
const CHILD = `
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
const { writeDirAtomic } = await import(process.env.ATOMIC_DIR);
const [dir, killAt, overwrite, links] = process.argv.slice(1);
const files = new Map();
for (const name of ${JSON.stringify(FILES)}) files.set(name, readFileSync(join(process.env.SHIPPED, name)));
if (process.env.REVERSE !== 'no') files.set('weights.bin', Uint8Array.from(files.get('weights.bin')).reverse());
await writeDirAtomic(dir, files, overwrite === 'yes', (step) => { if (step === killAt) process.kill(process.pid, 'SIGKILL'); }, links !== 'no');
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

/** The destination before the run: none, a link to a version, a plain directory; `no-links`: plain, written without links (Windows). */
type Start = 'none' | 'versioned' | 'plain' | 'no-links';

const child = (dest: string, killAt: string, overwrite: boolean, reverse: boolean, links = true) =>
  spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, dest, killAt, overwrite ? 'yes' : 'no', links ? 'yes' : 'no'], {
    env: { ...process.env, ATOMIC_DIR, SHIPPED, REVERSE: reverse ? 'yes' : 'no' }, encoding: 'utf8',
  });

/** The old model as a writer that has exited leaves it (a link to a version of a process that is gone), made once. */
let versionedTemplate: string | null = null;
function versioned(): string {
  if (versionedTemplate === null) {
    versionedTemplate = join(root, 'versioned-template');
    mkdirSync(versionedTemplate);
    const made = child(join(versionedTemplate, 'model'), 'never', false, false);
    expect(made.status, made.stderr).toBe(0);
  }
  return versionedTemplate;
}

async function killedAt(step: string, start: Start): Promise<{ dest: string; outcome: string; left: string[] }> {
  const parent = join(root, `${start}-${step.replace(/[^a-z.]/g, '_')}`);
  const dest = join(parent, 'model');
  if (start === 'versioned') cpSync(versioned(), parent, { recursive: true, verbatimSymlinks: true });
  const plain = start === 'plain' || start === 'no-links';
  mkdirSync(plain ? dest : parent, { recursive: true });
  if (plain) for (const name of FILES) cpSync(join(SHIPPED, name), join(dest, name));
  const run = child(dest, step, start !== 'none', true, start !== 'no-links');
  expect(run.signal, run.stderr).toBe('SIGKILL');
  return { dest, outcome: holds(dest), left: readdirSync(parent).filter((n) => n !== 'model') };
}

/** What may stay beside `dest`: the version it links to, if it is a link. */
const expectedBeside = (dest: string): string[] => (existsSync(dest) && lstatSync(dest).isSymbolicLink() ? [readlinkSync(dest)] : []);

const built = existsSync(ATOMIC_DIR);
if (!built) console.warn('skipping: needs the built package (run pnpm build first)');

describe('atomic directory writes under kill -9 (issue 17)', () => {
  it.runIf(built)('convert --out and --overwrite: old or new model at every step, nothing stale after the next run', async () => {
    const table: string[] = [];
    const label = { none: '--out', versioned: '--overwrite', plain: '--overwrite (plain dir)', 'no-links': '--overwrite (no links)' };
    for (const start of ['none', 'versioned', 'plain', 'no-links'] as const) {
      for (const step of STEPS) {
        // Only a plain directory is moved aside; a new one has nothing to remove; without links there is no link step
        // (and its file steps are the same as with links).
        const plain = start === 'plain' || start === 'no-links';
        if ((!plain && step === 'old-moved') || (start === 'none' && step === 'old-removed')) continue;
        if (start === 'no-links' && (step === 'link-created' || (BEFORE_SWAP.has(step) && step !== 'version-ready'))) continue;
        const { dest, outcome, left } = await killedAt(step, start);
        const before = BEFORE_SWAP.has(step);
        // Before the swap the old (or no) model; after it the new one; a plain directory is absent between its renames.
        const expected = before ? (start === 'none' ? 'absent' : 'old') : step === 'old-moved' ? 'absent' : 'new';
        expect(outcome, `${label[start]} killed at ${step}`).toBe(expected);
        // What the next run does first: a write recovers; so does a read of the missing directory (classify, eval).
        if (step === 'old-moved') await readModelDir(dest);
        else await recoverDirAtomic(dest);
        const recovered = holds(dest);
        expect(recovered === 'absent' ? start === 'none' && before : true, `after recovery at ${step}`).toBe(true);
        expect(readdirSync(join(dest, '..')).filter((n) => n !== 'model'), `stale folders after ${step}`).toEqual(expectedBeside(dest));
        if (recovered !== 'absent') await readModelDir(dest);
        table.push(`${label[start].padEnd(24)} ${step.padEnd(28)} left: ${outcome.padEnd(6)} ${String(left.length)} beside it  after next run: ${recovered}`);
      }
    }
    console.log(table.join('\n'));
  });
});
