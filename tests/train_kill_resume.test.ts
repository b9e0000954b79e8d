// SPDX-License-Identifier: MIT
// A training run killed with SIGKILL mid-epoch and resumed with --resume logs exactly the losses of an
// uninterrupted run with the same seed, and ends with the same weights. Every random stream is on: data order,
// RandAugment, random erasing, Mixup/CutMix, dropout and drop path, EMA and gradient clipping.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, sharedPath } from './support/shared_dir.js';

const cli = resolve(repoRoot, 'packages/cli/dist/main.js');
const RECORD = 3073;
const STEPS_PER_EPOCH = 5; // 48 images, 8 held out, batch 8

// A tiny CCT so three runs fit in well under a minute; wasm is deterministic (single-threaded XNNPACK).
const trainArgs = (out: string, data: string) => [
  cli, 'train', '--model', 'cct_2_3x2_32', '--arch', 'embedding_dim=32', '--arch', 'num_heads=2', '--arch', 'n_conv_layers=1',
  '--data', `cifar10:${data}`, '--val-count', '8', '--out', out, '--backend', 'wasm', '--epochs', '2', '--batch-size', '8',
  '--no-progress', '--checkpoint-every', '2', '--seed', '7', '--set', 'cooldown_epochs=0', '--set', 'warmup_epochs=1',
  '--set', 'mixup=0.8', '--set', 'cutmix=1.0', '--set', 'aa=rand-m9-mstd0.5-inc1', '--set', 'reprob=0.25',
  '--set', 'model_ema=true', '--set', 'model_ema_decay=0.9', '--set', 'clip_grad=1.0',
];

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the CLI; `killWhen` is polled and, once true, the child gets SIGKILL. */
function runCli(args: string[], killWhen?: () => Promise<boolean>): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', () => undefined);
    let timer: NodeJS.Timeout | undefined;
    if (killWhen !== undefined) {
      timer = setInterval(() => {
        void killWhen().then((yes) => {
          if (yes) {
            clearInterval(timer);
            child.kill('SIGKILL');
          }
        });
      }, 25);
    }
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      done({ code, signal, stderr });
    });
  });
}

async function records(out: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(out, 'log.jsonl'), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.trim() !== '').flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

const stepLosses = (log: Record<string, unknown>[]) => log.filter((r) => r.type === 'step').map((r) => [r.globalStep, r.loss, r.lr]);

describe('natzoo train: kill -9 and --resume', () => {
  let dir = '';
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('reproduces the uninterrupted run exactly', { timeout: 180_000 }, async () => {
    expect(existsSync(cli), `${cli} is missing: build with pnpm build`).toBe(true);
    dir = await mkdtemp(join(tmpdir(), 'natzoo-resume-'));
    const data = join(dir, 'small.bin');
    const cifar = await readFile(sharedPath('data/cifar10/test_batch_first1017.bin'));
    await writeFile(data, cifar.subarray(0, 48 * RECORD));

    const whole = join(dir, 'whole');
    const straight = await runCli(trainArgs(whole, data));
    expect(straight.code, straight.stderr).toBe(0);

    const killed = join(dir, 'killed');
    let killedAt = -1;
    const first = await runCli(trainArgs(killed, data), async () => {
      // Kill once a mid-epoch checkpoint (after step 2) exists and step 3 has been logged.
      if (!existsSync(join(killed, 'checkpoint.safetensors'))) return false;
      const last = (await records(killed)).filter((r) => r.type === 'step').at(-1);
      if (last === undefined || (last.globalStep as number) < 3) return false;
      killedAt = last.globalStep as number;
      return true;
    });
    expect(first.signal, `the run finished before it could be killed: ${first.stderr}`).toBe('SIGKILL');
    expect(killedAt).toBeGreaterThanOrEqual(3);
    expect(killedAt, 'killed in the first epoch').toBeLessThan(STEPS_PER_EPOCH);

    const resumed = await runCli([cli, 'train', '--out', killed, '--resume', '--backend', 'wasm', '--no-progress']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const log = await records(killed);
    const start = log.filter((r) => r.type === 'start').at(-1)!;
    expect(start.resumed).toBe(true);
    // The last checkpoint before the kill: after step 2 or step 4, both inside the first epoch.
    expect([2, 4], 'resumed from a mid-epoch checkpoint').toContain(start.globalStep);
    expect(start.globalStep as number).toBeLessThanOrEqual(killedAt);

    const expected = await records(whole);
    expect(stepLosses(expected)).toHaveLength(2 * STEPS_PER_EPOCH);
    expect(stepLosses(log)).toEqual(stepLosses(expected));
    const epochs = (l: Record<string, unknown>[]) => l.filter((r) => r.type === 'epoch').map((r) => [r.epoch, r.val, r.valEma]);
    expect(epochs(log)).toEqual(epochs(expected));
    const weights = async (out: string) => readFile(join(out, 'model', 'weights.bin'));
    expect(Buffer.compare(await weights(killed), await weights(whole))).toBe(0);
  });
});
