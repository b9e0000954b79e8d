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
const cli = resolve(repoRoot, 'packages/cli/dist/main.js');
const checkpoint = readFileSync(sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10', 'model_best.pth.tar'));

describe('natzoo convert from a URL', () => {
  const work = mkdtempSync(join(tmpdir(), 'natzoo-download-'));
  const cache = join(work, 'cache');
  let requests = 0;
  const server = createServer((request, response) => {
    requests++;
    if (request.url?.startsWith('/missing/')) return void response.writeHead(404).end('not found');
    response.writeHead(200, { 'content-length': checkpoint.length, 'content-type': 'application/octet-stream' });
    response.end(checkpoint);
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
    const pre = JSON.parse(readFileSync(join(out, 'preprocess.json'), 'utf8')) as { source: { url: string; sha256: string } };
    expect(pre.source.url).toBe(`${base}/cct_2_3x2_32-399ae58f.pth.tar`);
    expect(pre.source.sha256.startsWith('399ae58f')).toBe(true);
  });

  it('uses the cached file the second time, and still checks its hash', async () => {
    const before = requests;
    const result = (await convert(`${base}/cct_2_3x2_32-399ae58f.pth.tar`, join(work, 'again'))) as { stdout: string };
    expect(result.stdout).toContain('31 weights loaded');
    expect(requests).toBe(before);
  });

  it('reports an HTTP error with the URL, caching nothing', async () => {
    const out = join(work, 'missing');
    const failure = (await convert(`${base}/missing/cct.pth`, out)) as { stderr: string; code: number };
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain(`natzoo: ${base}/missing/cct.pth: HTTP 404`);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(cache)).toEqual(['cct_2_3x2_32-399ae58f.pth.tar']);
  });

  it('reports an unreachable host with the URL and the network cause', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((done) => probe.close(() => done()));
    const failure = (await convert(`http://127.0.0.1:${port}/cct.pth`, join(work, 'unreachable'))) as { stderr: string; code: number };
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain(`http://127.0.0.1:${port}/cct.pth: download failed (ECONNREFUSED)`);
  });
});
