// SPDX-License-Identifier: MIT
// The torch part of the allow-list: tensor rebuild functions and storage classes, as pure data constructors.
// Mirrors torch/_utils.py (_rebuild_tensor_v2 and friends) without importing or running any of it.
import { itemSize, TORCH_DTYPE_NAMES, TORCH_STORAGE_DTYPES, type DType } from './dtype.js';
import type { GlobalHandler } from './pickle_globals.js';
import { PyGlobal, type PickleValue } from './pickle_values.js';
import { checkBudget, TensorTally, type ReadBudget } from './read_budget.js';
import { Storage } from './storage.js';
import { TensorRecord } from './tensor_record.js';

type Fail = (problem: string) => never;

function intList(value: PickleValue | undefined, what: string, fail: Fail): number[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isInteger(v))) {
    return fail(`${what} is not a tuple of ints`);
  }
  return value as number[];
}

function rebuildTensor(args: PickleValue[], fail: Fail, tally: TensorTally): TensorRecord {
  const [storage, offset, size, stride, requiresGrad] = args;
  if (!(storage instanceof Storage)) return fail('first argument is not a storage');
  if (typeof offset !== 'number') return fail('storage offset is not an int');
  const record = new TensorRecord({
    storage,
    storageOffset: offset,
    shape: intList(size, 'size', fail),
    stride: intList(stride, 'stride', fail),
    requiresGrad: requiresGrad === true,
  });
  tally.add(record.numel, itemSize(record.dtype), storage.numel, () => `tensor of shape [${record.shape.join(', ')}] on storage '${storage.key}'`);
  return record;
}

function passTensor(args: PickleValue[], fail: Fail): TensorRecord {
  const [data] = args;
  return data instanceof TensorRecord ? data : fail('expects a tensor');
}

/** Storage class marker -> element type, or undefined when `value` is not one. */
export function storageDType(value: PickleValue | undefined): DType | undefined {
  if (!(value instanceof PyGlobal)) return undefined;
  if (value.module === 'torch' || value.module === 'torch.storage') return TORCH_STORAGE_DTYPES.get(value.name);
  return undefined;
}

/**
 * Handlers for torch globals; `call` re-enters the registry for `_rebuild_from_type_v2`'s inner function (nested
 * at most `maxPickleDepth` deep). Every tensor made is counted in one tally per checkpoint.
 */
export function torchHandlers(
  call: (fn: PickleValue, args: PickleValue[]) => PickleValue,
  budget: ReadBudget,
  path: string,
): [string, GlobalHandler][] {
  const tally = new TensorTally(budget, path);
  const rebuild = (args: PickleValue[], fail: Fail): TensorRecord => rebuildTensor(args, fail, tally);
  let depth = 0;
  const handlers: [string, GlobalHandler][] = [
    ['torch._utils._rebuild_tensor_v2', { call: rebuild }],
    ['torch._utils._rebuild_tensor', { call: rebuild }],
    ['torch._utils._rebuild_parameter', { call: passTensor }],
    ['torch._utils._rebuild_parameter_with_state', { call: passTensor }],
    // Tensor subclasses (and Parameter in some versions): func(*args), then the type is dropped.
    ['torch._tensor._rebuild_from_type_v2', {
      call: ([fn, type, args], fail) => {
        if (!(type instanceof PyGlobal) || !['torch.Tensor', 'torch.nn.parameter.Parameter'].includes(type.qualifiedName)) {
          return fail('only plain tensors and parameters are supported');
        }
        if (!Array.isArray(args)) return fail('arguments are not a tuple');
        checkBudget(budget, 'maxPickleDepth', depth + 1, path, () => `_rebuild_from_type_v2 nested ${depth + 1} deep`);
        depth++;
        try {
          return call(fn ?? null, args);
        } finally {
          depth--;
        }
      },
    }],
    // Type markers: allowed as values, never called.
    ['torch.Tensor', {}],
    ['torch.nn.parameter.Parameter', {}],
    ['torch.Size', { call: ([dims], fail) => intList(dims, 'torch.Size', fail) }],
    ['torch.device', {
      call: ([type, index], fail) => {
        if (typeof type !== 'string') return fail('device type is not a string');
        return typeof index === 'number' ? `${type}:${index}` : type;
      },
    }],
  ];
  for (const name of TORCH_STORAGE_DTYPES.keys()) handlers.push([`torch.${name}`, {}]);
  handlers.push(['torch.storage.UntypedStorage', {}]);
  for (const name of TORCH_DTYPE_NAMES.keys()) handlers.push([`torch.${name}`, {}]);
  return handlers;
}
