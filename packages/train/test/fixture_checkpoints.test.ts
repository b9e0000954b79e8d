// SPDX-License-Identifier: MIT
// Every model fixture checkpoint in ../shared loads, with the key counts, shapes, parameter counts and value
// checksums the fixture metadata (and an independent numpy pass over the same files) gives.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../../../tests/support/shared_dir.js';
import { loadCheckpoint, loadStateDict, readTorchCheckpoint, type StateDict } from '../src/index.js';

interface IndexEntry {
  name: string;
  meta: string;
  checkpoint: string;
  params: number | null;
  also?: string[];
}

const modelsDir = sharedPath('fixtures', 'models');
const index = JSON.parse(readFileSync(join(modelsDir, 'index.json'), 'utf8')) as IndexEntry[];

// [sum, sum of squares] over every tensor of each fixture's weights (g_ema for StyleNAT), computed in float64 with
// numpy from the zip entries (np.frombuffer + as_strided), independently of this reader.
const CHECKSUMS: Record<string, [number, number]> = {
  cct_2_3x2_32_random: [605.1798062743082, 1563.91487599548],
  cct_3x1_32_tiny: [300.6568412626657, 1186.6274351389814],
  cct_3x2_32_sine_tiny: [1867.0566763573515, 2692.132024403455],
  cct_7x2_224_tiny: [212.37304098644017, 678.9990630914945],
  convmlp_tiny_224: [635.2154966420931, 1154.80450956925],
  cvt_4_32_tiny: [286.5972225883015, 684.2719647745485],
  dinat_isotropic_224: [345.6063792333898, 2884.3032666895256],
  dinat_mini_pattern_224: [2899.2258989465336, 14236.970425882244],
  dinat_s_tiny_pattern_224: [1800.0222642832105, 11228.09946573602],
  nat_k3_96: [859.116121998617, 4712.228291003451],
  nat_k7_224: [1075.4901159431029, 4943.1214642003015],
  nat_k7_224_layerscale: [920.0823913258428, 4953.1093219938675],
  stylenat_legacy_64: [30176.671257938357, 331935949.37894994],
  vit_lite_4_32_tiny: [356.0039400641508, 673.0131922725526],
  vitrpb_224: [41950545.68798985, 18004161174.157402],
};

/** Non-trainable float buffers: in the state_dict but not in `params` (model.parameters()). */
const isFloatBuffer = (key: string): boolean => /running_(mean|var)$/.test(key);

async function checksum(sd: StateDict): Promise<[number, number]> {
  let sum = 0;
  let squares = 0;
  for (const t of sd.values()) {
    for (const v of await t.toFloat32()) {
      sum += v;
      squares += v * v;
    }
  }
  return [sum, squares];
}

async function expectSameTensors(a: StateDict, b: StateDict): Promise<void> {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [k, t] of a) {
    const u = b.get(k)!;
    expect(u.dtype).toBe(t.dtype);
    expect(u.shape).toEqual(t.shape);
    // Buffer comparison: vitest's deep equality is slow on large typed arrays.
    expect(Buffer.from(await u.bytes()).equals(await t.bytes()), k).toBe(true);
  }
}

describe('model fixture checkpoints', () => {
  for (const entry of index) {
    it(`${entry.name}/${entry.checkpoint}`, async () => {
      const dir = join(modelsDir, entry.name);
      const meta = JSON.parse(readFileSync(join(dir, entry.meta), 'utf8')) as Record<string, unknown>;
      const isStyleNat = entry.params === null;
      const loaded = await loadCheckpoint(join(dir, entry.checkpoint), isStyleNat ? { ema: true } : {});
      const sd = loaded.stateDict;
      expect(loaded.format).toBe('torch-zip');
      expect(loaded.skipped).toEqual([]);
      for (const t of sd.values()) {
        expect(t.shape.every((d) => Number.isInteger(d) && d > 0 && d < 1e6)).toBe(true);
        expect(t.isContiguous()).toBe(true);
        expect(['float32', 'int64']).toContain(t.dtype);
      }
      const floatTotal = [...sd].filter(([, t]) => t.dtype === 'float32').reduce((n, [, t]) => n + t.numel, 0);
      const paramTotal = [...sd].filter(([k, t]) => t.dtype === 'float32' && !isFloatBuffer(k)).reduce((n, [, t]) => n + t.numel, 0);
      if (entry.meta === 'config.json') {
        // config.json lists every key with shape and dtype, in PyTorch order.
        const keys = meta.state_dict as [string, number[], string][];
        expect(loaded.weightsKey).toBeNull();
        expect(sd.size).toBe(meta.num_state_dict_tensors);
        expect([...sd.values()].reduce((n, t) => n + t.numel, 0)).toBe(meta.num_state_dict_elements);
        expect([...sd].map(([k, t]) => [k, [...t.shape], t.dtype])).toEqual(keys);
        expect(paramTotal).toBe(entry.params);
        expect(meta.num_params).toBe(entry.params);
      } else if (!isStyleNat) {
        expect(loaded.weightsKey).toBeNull();
        expect(sd.size).toBe(meta.state_dict_keys);
        // NAT fixtures have no float buffers: params is the state_dict's float total.
        expect(floatTotal).toBe(entry.params);
        expect(meta.param_count).toBe(entry.params);
      } else {
        // StyleNAT: {'g', 'd', 'g_ema'}; ema picks g_ema, the rest is metadata.
        expect(loaded.weightsKey).toBe('g_ema');
        expect([...loaded.metadata.keys()]).toEqual(['g', 'd']);
        expect(sd.size).toBe(196);
        const generator = (meta.generator as { param_count: number }).param_count;
        expect(floatTotal).toBeGreaterThanOrEqual(generator); // plus float buffers (blur kernels, ...)
        const d = await loadStateDict(join(dir, entry.checkpoint), { key: 'd' });
        expect(d.size).toBe(87);
        await expect(loadStateDict(join(dir, entry.checkpoint))).rejects.toThrow(/no state_dict found .*top-level keys: g, d, g_ema/);
      }
      const [sum, squares] = await checksum(sd);
      const [wantSum, wantSquares] = CHECKSUMS[entry.name]!;
      expect(Math.abs(sum - wantSum)).toBeLessThan(1e-6 * Math.max(1, Math.abs(wantSquares)));
      expect(squares / wantSquares).toBeCloseTo(1, 9);
    });
  }

  it('convmlp_tiny_224/checkpoint_legacy.pth is the legacy container and equals checkpoint.pth', async () => {
    const dir = join(modelsDir, 'convmlp_tiny_224');
    const legacy = await readTorchCheckpoint(join(dir, 'checkpoint_legacy.pth'));
    expect(legacy.container).toBe('legacy');
    expect(legacy.globals).toEqual(['collections.OrderedDict', 'torch.FloatStorage', 'torch.LongStorage', 'torch._utils._rebuild_tensor_v2']);
    const a = await loadStateDict(join(dir, 'checkpoint_legacy.pth'));
    const b = await loadStateDict(join(dir, 'checkpoint.pth'));
    expect(a.size).toBe(91);
    await expectSameTensors(a, b);
    const tracked = a.get('tokenizer.block.1.num_batches_tracked')!;
    expect(tracked.dtype).toBe('int64');
    expect(tracked.shape).toEqual([]);
    expect(await tracked.toBigInt64()).toEqual(new BigInt64Array([6n]));
    expect(await tracked.toInt32()).toEqual(new Int32Array([6]));
  });

  it('cct_7x2_224_tiny/checkpoint_train.pth.tar is a timm training checkpoint', async () => {
    const dir = join(modelsDir, 'cct_7x2_224_tiny');
    const loaded = await loadCheckpoint(join(dir, 'checkpoint_train.pth.tar'));
    expect(loaded.weightsKey).toBe('state_dict');
    expect([...loaded.metadata.keys()]).toEqual(['epoch', 'arch', 'optimizer', 'version', 'args', 'metric']);
    expect(loaded.metadata.get('arch')).toBe('cct_7x2_224_tiny');
    expect(loaded.metadata.get('epoch')).toBe(1);
    expect(loaded.globals).toEqual(['argparse.Namespace', 'collections.OrderedDict', 'torch.FloatStorage', 'torch._utils._rebuild_tensor_v2']);
    await expectSameTensors(loaded.stateDict, await loadStateDict(join(dir, 'checkpoint.pth')));
    const checkpoint = await readTorchCheckpoint(join(dir, 'checkpoint_train.pth.tar'));
    expect(checkpoint.archivePrefix).toBe('checkpoint_train.pth/');
  });
});
