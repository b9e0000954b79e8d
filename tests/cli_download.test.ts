// SPDX-License-Identifier: MIT
// `natzoo convert <url>` against a loopback HTTP server: the torch-hub hash in the file name is checked, a
// mismatch is refused (nothing cached, nothing at --out), a match converts.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, sharedPath } from './support/shared_dir.js';

const run = promisify(execFile);
const cli = resolve(repoRoot, 'packages/train/dist/cli/main.js');
const checkpoint = readFileSync(sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10', 'model_best.pth.tar'));

describe('natzoo convert from a URL', () => {
  const work = mkdtempSync(join(tmpdir(), 'natzoo-download-'));
  const cache = join(work, 'cache');
  const server = createServer((request, response) => {
    response.writeHead(200, { 'content-length': checkpoint.length, 'content-type': 'application/octet-stream' });
    response.end(checkpoint);
    void request;
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((done) => server.close(() => done()));
    rmSync(work, { recursive: true, force: true });
  });
  const convert = (url: string, out: string) =>
    run(process.execPath, [cli, 'convert', url, '--model', 'cct_2_3x2_32.cifar10', '--out', out], {
      env: { ...process.env, NATZOO_CACHE: cache },
    }).catch((e: { stderr: string; code: number }) => e);

  it('refuses a file whose sha256 does not match the hash in its name', async () => {
    const out = join(work, 'bad');
    const failure = (await convert(`${base}/cct_2_3x2_32-deadbeef.pth.tar`, out)) as { stderr: string; code: number };
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain('does not start with deadbeef');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(cache) ? readdirSync(cache) : []).toEqual([]);
  });

  it('downloads, verifies the hash prefix, caches and converts', async () => {
    const out = join(work, 'good');
    const result = (await convert(`${base}/cct_2_3x2_32-399ae58f.pth.tar`, out)) as { stdout: string };
    expect(result.stdout).toContain('31 weights loaded, 0 missing, 0 unused');
    expect(readdirSync(cache)).toEqual(['cct_2_3x2_32-399ae58f.pth.tar']);
    expect(readFileSync(join(cache, 'cct_2_3x2_32-399ae58f.pth.tar')).equals(checkpoint)).toBe(true);
    expect(existsSync(join(out, 'model.json'))).toBe(true);
  });
});
