// SPDX-License-Identifier: MIT
// The real third-party timm checkpoint (CCT-2/3x2 on CIFAR-10, saved from cuda:0 by PyTorch 2.0) and its
// reference logits.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../../../tests/support/shared_dir.js';
import { describeValue, loadCheckpoint, readNpy, readTorchCheckpoint, TensorRecord } from '../src/index.js';
import { PyRecord, type PickleValue } from '../src/advanced.js';

const dir = sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10');
const checkpointPath = join(dir, 'model_best.pth.tar');

describe('cct_2_3x2_32_cifar10/model_best.pth.tar', () => {
  it('reads as a timm checkpoint with the Namespace args and cuda:0 storages', async () => {
    const raw = await readTorchCheckpoint(checkpointPath);
    expect(raw.container).toBe('zip');
    expect(raw.archivePrefix).toBe('tmp.pth/');
    expect(raw.byteOrder).toBe('little');
    expect(raw.globals).toEqual(['argparse.Namespace', 'collections.OrderedDict', 'torch.FloatStorage', 'torch._utils._rebuild_tensor_v2']);
    // 31 weights + 31 x (exp_avg, exp_avg_sq, step) optimizer tensors = 124 storages. Weights and moments were
    // saved from the GPU; AdamW's 0-d `step` counters live on the CPU.
    expect(raw.storages.length).toBe(124);
    const locations = raw.storages.map((s) => s.location);
    expect(locations.filter((l) => l === 'cuda:0').length).toBe(93);
    expect(locations.filter((l) => l === 'cpu').length).toBe(31);

    const loaded = await loadCheckpoint(checkpointPath);
    expect(loaded.weightsKey).toBe('state_dict');
    expect(loaded.strippedPrefix).toBeNull();
    const sd = loaded.stateDict;
    expect(sd.size).toBe(31);
    expect([...sd.values()].reduce((n, t) => n + t.numel, 0)).toBe(283_723);
    expect(sd.get('tokenizer.conv_layers.1.0.weight')!.shape).toEqual([128, 64, 3, 3]);
    expect(sd.get('classifier.positional_emb')!.shape).toEqual([1, 64, 128]);
    expect(sd.get('classifier.blocks.0.self_attn.qkv.weight')!.shape).toEqual([384, 128]);
    expect(sd.has('classifier.blocks.0.self_attn.qkv.bias')).toBe(false);
    for (const t of sd.values()) {
      expect(t.storage.location).toBe('cuda:0');
      expect(t.storageOffset).toBe(0);
      expect(t.isContiguous()).toBe(true);
    }

    const meta = loaded.metadata;
    expect([...meta.keys()]).toEqual(['epoch', 'arch', 'optimizer', 'version', 'args', 'amp_scaler', 'metric']);
    expect(meta.get('arch')).toBe('cct_2_3x2_32');
    expect(meta.get('epoch')).toBe(18);
    expect(meta.get('version')).toBe(2);
    expect(meta.get('metric')).toBeCloseTo(62.014, 10);
    const args = meta.get('args');
    expect(args).toBeInstanceOf(PyRecord);
    const ns = args as PyRecord;
    expect(ns.className).toBe('argparse.Namespace');
    expect(ns.fields.size).toBe(103);
    const expected: [string, PickleValue][] = [
      ['model', 'cct_2_3x2_32'], ['batch_size', 128], ['lr', 0.00055], ['seed', 42], ['amp', true], ['native_amp', true],
      ['device', 'cuda:0'], ['epochs', 10], ['opt', 'adamw'], ['weight_decay', 0.06], ['smoothing', 0.1], ['mixup', 0.8],
      ['img_size', 32], ['input_size', null], ['num_classes', 10], ['interpolation', 'bicubic'], ['aa', 'rand-m9-mstd0.5-inc1'],
    ];
    for (const [k, v] of expected) expect(ns.get(k), k).toEqual(v);
    expect(ns.get('mean')).toEqual([0.4914, 0.4822, 0.4465]);
    expect(describeValue(meta.get('amp_scaler')!)).toEqual({ scale: 262144, growth_factor: 2, backoff_factor: 0.5, growth_interval: 2000, _growth_tracker: 1243 });

    // The optimizer state is there too (lazily): AdamW moments per parameter, betas as a tuple.
    const optimizer = meta.get('optimizer') as Map<PickleValue, PickleValue>;
    const state = optimizer.get('state') as Map<PickleValue, PickleValue>;
    expect(state.size).toBe(31);
    const moments = [...state.values()] as Map<PickleValue, PickleValue>[];
    expect(moments.reduce((n, m) => n + (m.get('exp_avg') as TensorRecord).numel, 0)).toBe(283_723);
    const step = moments[0]!.get('step') as TensorRecord;
    expect(step.shape).toEqual([]);
    expect(step.storage.location).toBe('cpu');
    const groups = optimizer.get('param_groups') as Map<PickleValue, PickleValue>[];
    expect(groups.map((g) => g.get('weight_decay'))).toEqual([0, 0.06]);
    expect(groups[1]!.get('betas')).toEqual([0.9, 0.999]);
    expect(Object.isFrozen(groups[1]!.get('betas'))).toBe(true); // tuples are frozen arrays
  });

  it('reads the weights', async () => {
    const sd = (await loadCheckpoint(checkpointPath)).stateDict;
    let sum = 0;
    let squares = 0;
    for (const t of sd.values()) {
      for (const v of await t.toFloat32()) {
        sum += v;
        squares += v * v;
      }
    }
    // numpy over the same zip entries (float64 accumulation).
    expect(sum).toBeCloseTo(375.4919932857582, 6);
    expect(squares).toBeCloseTo(1565.7819756273423, 6);
  });

  it('logits.npy is float32 [1017, 10] with the documented first row', async () => {
    const logits = await readNpy(join(dir, 'logits.npy'));
    expect(logits.dtype).toBe('float32');
    expect(logits.shape).toEqual([1017, 10]);
    expect(logits.data).toBeInstanceOf(Float32Array);
    const row = [...logits.data.slice(0, 10)] as number[];
    const want = [0.0869, -0.3106, -0.4803, 0.9704, -0.468, 0.3534, 0.6259, -0.5391, 0.2479, -0.2419];
    row.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-4));
  });
});
