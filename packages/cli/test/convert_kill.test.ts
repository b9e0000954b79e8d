// SPDX-License-Identifier: MIT
// kill -9 of a whole `natzoo convert --overwrite` process (the built bin), not only of the directory writer: the
// run is killed when its staging folder appears, when its version folder appears, when its new link appears, once
// the destination points to the new version, and after a fixed delay (still starting). Each time the destination
// must hold the old model or the new one, whole, and after the next run (recoverDirAtomic, which every write and
// read starts with) nothing but the destination and the version it links to may be left beside it.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelDir } from '@natzoo/train';
import { recoverDirAtomic } from '@natzoo/train/advanced';
import { repoRoot, sharedPath } from '../../../tests/support/shared_dir.js';

const cli = resolve(repoRoot, 'packages/cli/dist/main.js');
const checkpoint = sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10', 'model_best.pth.tar');
const root = mkdtempSync(join(tmpdir(), 'natzoo-convert-kill-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `natzoo convert` of the fixture: the old model plain, the new one as float16 weights (different bytes). */
const args = (out: string, which: 'old' | 'new') => [cli, 'convert', checkpoint, '--model', 'cct_2_3x2_32.cifar10', '--out', out, ...(which === 'new' ? ['--quantize', 'float16', '--overwrite'] : [])];

/** A model directory's files, name -> bytes. */
function contents(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name))]));
}
const same = (a: Map<string, Buffer>, b: Map<string, Buffer>) => a.size === b.size && [...a].every(([name, bytes]) => b.get(name)?.equals(bytes) === true);

let oldModel: Map<string, Buffer>;
let newModel: Map<string, Buffer>;
const template = join(root, 'template');

beforeAll(() => {
  // The references, and the old destination as a finished run leaves it (a link to a version of a process gone).
  const convert = (out: string, which: 'old' | 'new') => {
    const done = spawnSync(process.execPath, args(out, which), { encoding: 'utf8' });
    expect(done.status, done.stderr).toBe(0);
  };
  convert(join(template, 'model'), 'old');
  cpSync(template, join(root, 'ref-new'), { recursive: true, verbatimSymlinks: true });
  convert(join(root, 'ref-new', 'model'), 'new');
  oldModel = contents(join(template, 'model'));
  newModel = contents(join(root, 'ref-new', 'model'));
  expect(same(oldModel, newModel)).toBe(false);
});

/** 'old' or 'new' (whole), else a failure naming what is there. */
function holds(dest: string): string {
  if (!existsSync(dest)) return 'absent';
  const found = contents(dest);
  if (same(found, oldModel)) return 'old';
  if (same(found, newModel)) return 'new';
  return `neither model (${[...found.keys()].join(', ')})`;
}

type Trigger = { name: string; when: (parent: string, pid: number) => boolean } | { name: string; afterMs: number };

const has = (parent: string, pattern: RegExp) => readdirSync(parent).some((n) => pattern.test(n));
const TRIGGERS: Trigger[] = [
  { name: 'still starting (300 ms)', afterMs: 300 },
  { name: 'staging folder appears', when: (p, pid) => has(p, new RegExp(`^\\.model\\.tmp-${pid}-`)) },
  { name: 'version folder appears', when: (p, pid) => has(p, new RegExp(`^\\.model\\.v-${pid}-`)) },
  { name: 'new link appears', when: (p, pid) => has(p, new RegExp(`^\\.model\\.link-${pid}-`)) },
  { name: 'destination swapped', when: (p, pid) => existsSync(join(p, 'model')) && readlinkSync(join(p, 'model')).startsWith(`.model.v-${pid}-`) },
];

/** Runs the new conversion over a copy of the old destination and kills it at `trigger`. */
async function killedAt(trigger: Trigger, index: number): Promise<{ parent: string; dest: string; killed: boolean }> {
  const parent = join(root, `case-${index}`);
  cpSync(template, parent, { recursive: true, verbatimSymlinks: true });
  const dest = join(parent, 'model');
  const child = spawn(process.execPath, args(dest, 'new'), { stdio: 'ignore' });
  let killed = false;
  const kill = () => {
    if (!killed && child.exitCode === null) killed = child.kill('SIGKILL');
  };
  const check = () => 'when' in trigger && trigger.when(parent, child.pid!) && kill();
  const watcher = watch(parent, check);
  const timer = 'afterMs' in trigger ? setTimeout(kill, trigger.afterMs) : null;
  await new Promise((done) => child.on('exit', done));
  watcher.close();
  if (timer !== null) clearTimeout(timer);
  return { parent, dest, killed };
}

describe('natzoo convert --overwrite under kill -9', () => {
  it('leaves the old or the new model at every kill point, and nothing stale after the next run', async () => {
    const rows: string[] = [];
    for (const [i, trigger] of TRIGGERS.entries()) {
      const { parent, dest, killed } = await killedAt(trigger, i);
      const outcome = holds(dest);
      expect(['old', 'new'], `killed when ${trigger.name}`).toContain(outcome);
      expect(lstatSync(dest).isSymbolicLink()).toBe(true);
      await recoverDirAtomic(dest);
      const after = holds(dest);
      expect(after, `after the next run, killed when ${trigger.name}`).toBe(outcome);
      expect(readdirSync(parent).filter((n) => n !== 'model')).toEqual([readlinkSync(dest)]);
      await readModelDir(dest);
      rows.push(`${trigger.name.padEnd(26)} ${killed ? 'killed ' : 'finished'}  left: ${outcome}  after the next run: ${after}`);
    }
    console.log(rows.join('\n'));
    // Every trigger that fires during the write must have stopped it (the process was still running).
    expect(rows.filter((r) => r.includes('killed')).length).toBeGreaterThanOrEqual(3);
  });
});
