// SPDX-License-Identifier: MIT
// Pretrained models by name in Node (loadPretrained, `natzoo classify --model <hub id>`) against a hub look-alike on
// loopback: config.json and a transformers-named pytorch_model.bin / model.safetensors built from the NAT and
// DiNAT fixtures, the weights behind a redirect. The logits must match the fixture's upstream logits, the labels
// come from id2label, a second load comes from the cache without a request, progress is monotone and ends at
// the file's size, and each failure is a HubError with its own problem and message.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClassifier } from '@natzoo/models';
import type { Classifier } from '@natzoo/models';
import { HubError, loadPretrained, readNpy } from '@natzoo/train';
import { dirCache, downloadBytes } from '@natzoo/train/advanced';
import type { ByteProgress, LoadPretrainedOptions } from '@natzoo/train';
import type { PretrainedStage } from '@natzoo/train/advanced';
import { hfConfig, serveHub } from '../scripts/bench/hub_server.mjs';
import { fixtureKwargs, fixtureRepo, hubLabel } from './support/hub_fixtures.js';
import { repoRoot, sharedPath } from './support/shared_dir.js';

const run = promisify(execFile);
const cli = resolve(repoRoot, 'packages/cli/dist/main.js');

/**
 * Ours against the fixture's logits for its input (NCHW on disk, NHWC for the model): the mean difference (a
 * constant shift when the head's bias moved), and max |ours - shift - fixture| over max |fixture|.
 */
async function shiftedError(classifier: Classifier, fixture: string): Promise<{ shift: number; error: number }> {
  const dir = sharedPath('fixtures', 'models', fixture);
  const input = await readNpy(join(dir, 'input.npy'));
  const expected = (await readNpy(join(dir, 'logits.npy'))).data as Float32Array;
  const logits = tf.tidy(() => classifier.predict(tf.tensor4d(input.data as Float32Array, input.shape as [number, number, number, number]).transpose([0, 2, 3, 1]) as tf.Tensor4D));
  const ours = (await logits.data()) as Float32Array;
  logits.dispose();
  const shift = ours.reduce((sum, v, i) => sum + v - expected[i]!, 0) / ours.length;
  const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return { shift, error: ours.reduce((m, v, i) => Math.max(m, Math.abs(v - shift - expected[i]!)), 0) / scale };
}

/** Max |ours - fixture| over max |fixture|, with no shift allowed. */
async function relativeError(classifier: Classifier, fixture: string): Promise<number> {
  const { shift, error } = await shiftedError(classifier, fixture);
  expect(Math.abs(shift)).toBeLessThan(1e-4);
  return error;
}

/** A copy of a safetensors file with `delta` added to every float32 value of tensor `name`. */
function withBiasRaised(file: Uint8Array, name: string, delta: number): Uint8Array {
  const copy = Uint8Array.from(file);
  const view = new DataView(copy.buffer);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(copy.subarray(8, 8 + headerLength))) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const entry = header[name]!;
  expect(entry.dtype).toBe('F32');
  for (let at = 8 + headerLength + entry.data_offsets[0]; at < 8 + headerLength + entry.data_offsets[1]; at += 4) view.setFloat32(at, view.getFloat32(at, true) + delta, true);
  return copy;
}

describe('loadPretrained by hub id and by tag, from a loopback hub', () => {
  const work = mkdtempSync(join(tmpdir(), 'natzoo-pretrained-'));
  const cacheDir = join(work, 'cache');
  let hub: Awaited<ReturnType<typeof serveHub>>;
  let checkpointBytes = 0;
  const fixtureHub = {} as { nat: Awaited<ReturnType<typeof fixtureRepo>> };
  const cct = readFileSync(sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10', 'model_best.pth.tar'));

  beforeAll(async () => {
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
    const dinat = await fixtureRepo('shi-labs/dinat-fixture', 'dinat_mini_pattern_224', 'dinat');
    checkpointBytes = (dinat.files['pytorch_model.bin'] as Uint8Array).length;
    const nat = await fixtureRepo('shi-labs/nat-fixture', 'nat_k7_224_layerscale', 'nat', 'model.safetensors');
    nat.revisions = ['main', 'refs/pr/1'];
    fixtureHub.nat = nat;
    const natConfig = hfConfig('nat', fixtureKwargs('nat_k7_224_layerscale'), Array.from({ length: 1000 }, (_, i) => hubLabel(i)));
    hub = await serveHub(
      [
        dinat,
        nat,
        { id: 'gated/model', files: {} },
        { id: 'private/model', files: {} },
        { id: 'shi-labs/swin', files: { 'config.json': { ...natConfig, model_type: 'swin' } } },
        // config.json says 3 blocks in the last level; the weights have 1.
        { id: 'shi-labs/wrong-depths', files: { 'config.json': { ...natConfig, depths: [1, 1, 2, 3] }, 'model.safetensors': nat.files['model.safetensors']! } },
      ],
      { '/releases/cct_2_3x2_32-399ae58f.pth.tar': cct, '/releases/cct_2_3x2_32-deadbeef.pth.tar': cct },
    );
  });
  afterAll(async () => {
    await hub?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const options = (extra: LoadPretrainedOptions = {}): LoadPretrainedOptions => ({ endpoint: hub.url, cache: dirCache(cacheDir), ...extra });

  it('loads a DiNAT by hub id: pytorch_model.bin after a 404 for model.safetensors, through the redirect, fixture logits, id2label labels', async () => {
    const progress: ByteProgress[] = [];
    const stages: PretrainedStage[] = [];
    const classifier = await loadPretrained('shi-labs/dinat-fixture', options({ onProgress: (p) => progress.push(p), onStage: (s) => stages.push(s) }));
    try {
      const error = await relativeError(classifier, 'dinat_mini_pattern_224');
      console.log(`shi-labs/dinat-fixture by hub id: max |diff| ${error.toExponential(2)} of max |logit|`);
      expect(error).toBeLessThan(1e-4);
      expect(classifier.labels.length).toBe(1000);
      expect(classifier.labels[0]).toBe(hubLabel(0));
      expect(classifier.labels[999]).toBe(hubLabel(999));
      expect(classifier.preprocess.model).toBe('shi-labs/dinat-fixture');
      expect(classifier.preprocess.interpolation).toBe('bicubic');
      expect(classifier.preprocess.cropPct).toBe(0.875);
      expect(classifier.preprocess.source?.url).toBe(`${hub.url}/shi-labs/dinat-fixture/resolve/main/pytorch_model.bin`);
      expect(stages).toEqual(['resolving', 'downloading', 'converting', 'caching']);
    } finally {
      classifier.dispose();
    }
    expect(hub.requests).toContain('GET /shi-labs/dinat-fixture/resolve/main/model.safetensors');
    expect(hub.requests).toContain('GET /lfs/shi-labs/dinat-fixture/pytorch_model.bin');
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.every((p, i) => p.total === checkpointBytes && (i === 0 || p.loaded >= progress[i - 1]!.loaded))).toBe(true);
    expect(progress.at(-1)!.loaded).toBe(checkpointBytes);
  });

  it('loads it again from the cache without downloading (HEADs for the weights\' version only), with the same logits', async () => {
    const before = hub.requests.length;
    const stages: PretrainedStage[] = [];
    const classifier = await loadPretrained('shi-labs/dinat-fixture', options({ onStage: (s) => stages.push(s) }));
    try {
      expect(await relativeError(classifier, 'dinat_mini_pattern_224')).toBeLessThan(1e-4);
      expect(classifier.labels[7]).toBe(hubLabel(7));
    } finally {
      classifier.dispose();
    }
    expect(stages).toEqual(['from-cache']);
    // model.safetensors is missing (404); pytorch_model.bin's redirect tells its sha256, which the cache holds.
    expect(hub.requests.slice(before)).toEqual(['HEAD /shi-labs/dinat-fixture/resolve/main/model.safetensors', 'HEAD /shi-labs/dinat-fixture/resolve/main/pytorch_model.bin']);
  });

  it('converts again when the weights changed at the same revision, not serving the stale conversion', async () => {
    const nat = fixtureHub.nat;
    const original = nat.files['model.safetensors'] as Uint8Array;
    const load = async (): Promise<{ stages: PretrainedStage[]; error: number; shift: number }> => {
      const stages: PretrainedStage[] = [];
      const classifier = await loadPretrained('shi-labs/nat-fixture', options({ onStage: (s) => stages.push(s) }));
      try {
        return { stages, ...(await shiftedError(classifier, 'nat_k7_224_layerscale')) };
      } finally {
        classifier.dispose();
      }
    };
    try {
      const first = await load();
      expect(first.stages).toContain('downloading');
      expect(first.shift).toBeCloseTo(0, 4);
      // The same file name and revision, other bytes: every class bias one higher, so every logit is.
      nat.files['model.safetensors'] = withBiasRaised(original, 'classifier.bias', 1);
      const changed = await load();
      expect(changed.stages).toContain('downloading');
      expect(changed.shift).toBeCloseTo(1, 4);
      expect(changed.error).toBeLessThan(1e-4);
      const again = await load();
      expect(again.stages).toEqual(['from-cache']);
      expect(again.shift).toBeCloseTo(1, 4);
    } finally {
      nat.files['model.safetensors'] = original;
    }
  });

  it('prefers model.safetensors, honours the revision (refs/pr/1 encoded) and layer scale', async () => {
    const classifier = await loadPretrained('shi-labs/nat-fixture', options({ revision: 'refs/pr/1' }));
    try {
      expect(await relativeError(classifier, 'nat_k7_224_layerscale')).toBeLessThan(1e-4);
    } finally {
      classifier.dispose();
    }
    expect(hub.requests).toContain('GET /shi-labs/nat-fixture/resolve/refs%2Fpr%2F1/config.json');
    expect(hub.requests).not.toContain('GET /shi-labs/nat-fixture/resolve/refs%2Fpr%2F1/pytorch_model.bin');
  });

  it('loads a registry tag from its release URL, checking the hash in the file name', async () => {
    const classifier = await loadPretrained('cct_2_3x2_32.cifar10', options({ url: `${hub.url}/releases/cct_2_3x2_32-399ae58f.pth.tar` }));
    try {
      expect(classifier.labels).toContain('airplane');
      expect(classifier.preprocess.source?.sha256.startsWith('399ae58f')).toBe(true);
      // The shipped model is the same checkpoint converted by `natzoo convert`.
      const shipped = JSON.parse(readFileSync(resolve(repoRoot, 'checkpoints/cct_2_3x2_32.cifar10/preprocess.json'), 'utf8')) as { source: { sha256: string } };
      expect(classifier.preprocess.source?.sha256).toBe(shipped.source.sha256);
    } finally {
      classifier.dispose();
    }
    const refused = loadPretrained('cct_2_3x2_32.cifar10', options({ url: `${hub.url}/releases/cct_2_3x2_32-deadbeef.pth.tar` }));
    await expect(refused).rejects.toMatchObject({ problem: 'hash-mismatch' });
    await expect(refused).rejects.toThrow(/does not start with deadbeef from the file name/);
  });

  it.each([
    ['shi-labs/missing', 'not-found', /HTTP 404.*no such repo, revision or file/],
    ['gated/model', 'gated', /HTTP 401.*gated or private.*Authorization/],
    ['private/model', 'gated', /HTTP 403.*gated or private/],
    ['shi-labs/swin', 'unknown-model-type', /model_type "swin" is not an architecture natzoo converts from the hub; supported: nat, dinat/],
    ['shi-labs/wrong-depths', 'keys-mismatch', /keys do not fit the architecture its config\.json describes[\s\S]*pass options\.config/],
    ['not a name', 'bad-reference', /expected a hub id such as shi-labs\/dinat-mini-in1k-224 or a registry tag/],
  ] as const)('%s: a HubError (%s)', async (ref, problem, message) => {
    const loading = loadPretrained(ref, options());
    await expect(loading).rejects.toBeInstanceOf(HubError);
    await expect(loading).rejects.toMatchObject({ problem });
    await expect(loading).rejects.toThrow(message);
  });

  it('downloadBytes refuses a body longer or shorter than its Content-Length (size-mismatch)', async () => {
    const answer = (sent: number, announced: number) => (async () => new Response(new Uint8Array(sent), { headers: { 'content-length': String(announced) } })) as typeof fetch;
    await expect(downloadBytes('http://hub.test/weights.bin', { fetch: answer(20, 10) })).rejects.toMatchObject({ problem: 'size-mismatch', message: 'http://hub.test/weights.bin: the server announced 10 bytes and sent more' });
    await expect(downloadBytes('http://hub.test/weights.bin', { fetch: answer(10, 20) })).rejects.toMatchObject({ problem: 'size-mismatch', message: 'http://hub.test/weights.bin: the server announced 20 bytes and sent 10' });
    const ok = await downloadBytes('http://hub.test/weights.bin', { fetch: answer(10, 10) });
    expect(ok.source.byteLength).toBe(10);
  });

  it("@natzoo/models' loadClassifier points a hub id to loadPretrained", async () => {
    await expect(loadClassifier('shi-labs/dinat-fixture')).rejects.toThrow(/'shi-labs\/dinat-fixture' is no converted model's URL .*load it with loadPretrained from @natzoo\/train\/convert/);
  });

  it('no network: a HubError naming the URL and the cause', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
    const endpoint = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((done) => probe.close(() => done()));
    const loading = loadPretrained('shi-labs/dinat-fixture', { endpoint });
    await expect(loading).rejects.toMatchObject({ problem: 'network' });
    await expect(loading).rejects.toThrow(`${endpoint}/shi-labs/dinat-fixture/resolve/main/config.json: cannot reach the host (ECONNREFUSED)`);
  });

  it('natzoo classify --model <hub id> with HF_ENDPOINT converts into $NATZOO_CACHE once', async () => {
    const cliCache = join(work, 'cli-cache');
    const classify = () =>
      run(process.execPath, [cli, 'classify', resolve(repoRoot, 'checkpoints/samples/0_cat.png'), '--model', 'shi-labs/nat-fixture', '--json', '--top', '3'], {
        env: { ...process.env, HF_ENDPOINT: hub.url, NATZOO_CACHE: cliCache },
      });
    const first = JSON.parse((await classify()).stdout) as { model: string; results: { top: { label: string }[] }[] };
    expect(first.model).toBe('shi-labs/nat-fixture');
    expect(first.results[0]!.top[0]!.label).toMatch(/^hub class \d+$/);
    // One model: its link and the version it points to (a dot folder).
    expect(readdirSync(join(cliCache, 'converted')).filter((n) => !n.startsWith('.'))).toHaveLength(1);
    const before = hub.requests.length;
    const second = JSON.parse((await classify()).stdout) as typeof first;
    expect(second.results).toEqual(first.results);
    // Nothing downloaded: only the HEAD that finds the weights' version unchanged.
    expect(hub.requests.slice(before)).toEqual(['HEAD /shi-labs/nat-fixture/resolve/main/model.safetensors']);
    const refused = await run(process.execPath, [cli, 'classify', resolve(repoRoot, 'checkpoints/samples/0_cat.png'), '--model', 'gated/model'], {
      env: { ...process.env, HF_ENDPOINT: hub.url, NATZOO_CACHE: cliCache },
    }).catch((e: { stderr: string; code: number }) => e);
    expect((refused as { code: number }).code).toBe(1);
    expect((refused as { stderr: string }).stderr).toContain(`natzoo: --model gated/model: ${hub.url}/gated/model/resolve/main/config.json: HTTP 401`);
  });
});
