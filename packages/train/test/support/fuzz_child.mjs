// SPDX-License-Identifier: MIT
// The fuzz test's child process (reader_fuzz.test.ts): applies seeded mutations to base files and runs the built
// readers on them, one case at a time, printing one JSON line when a case starts and one when it ends (outcome,
// milliseconds, growth of the peak RSS), so the parent can name the case that crashed, hung or blew up memory.
// Usage: node fuzz_child.mjs <manifest.json> <seed> <first case> <end case>; the manifest lists `exact` files
// (run unchanged first) and `bases` (mutated).
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [manifestPath, seedText, firstText, endText] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const train = await import(manifest.trainDist);
const zip = await import(manifest.zipDirectory);
const TYPED = new Set(['CheckpointError', 'BudgetError', 'ModelDirError', 'PreprocessError', 'ImageDecodeError']);

/** Offsets where structures begin: zip signatures, pickle opcodes that take lengths, JSON numbers. */
function boundaries(bytes) {
  const out = [];
  for (let i = 0; i + 4 <= bytes.length && out.length < 4096; i++) {
    if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b) out.push(i);
    else if (bytes[i] === 0x58 || bytes[i] === 0x8c || bytes[i] === 0x71 || bytes[i] === 0x28 || bytes[i] === 0x4a) out.push(i);
  }
  return out.length > 0 ? out : [0];
}

/** One mutation of `bytes`; returns the new bytes, the kind, and the original offsets it touched (null: all). */
function mutate(bytes, rand, structure) {
  const pick = (n) => Math.floor(rand() * n);
  const kinds = ['flip', 'bit', 'truncate', 'bomb', 'splice', 'number'];
  const kind = kinds[pick(kinds.length)];
  const out = Buffer.from(bytes);
  const at = rand() < 0.5 ? structure[pick(structure.length)] + pick(48) : pick(bytes.length);
  const where = Math.min(at, bytes.length - 1);
  switch (kind) {
    case 'flip': {
      const touched = [];
      for (let i = 0, n = 1 + pick(4); i < n; i++) {
        const p = Math.min(where + pick(16), bytes.length - 1);
        out[p] = pick(256);
        touched.push(p);
      }
      return { bytes: out, kind, touched };
    }
    case 'bit':
      out[where] ^= 1 << pick(8);
      return { bytes: out, kind, touched: [where] };
    case 'truncate':
      return { bytes: out.subarray(0, structure[pick(structure.length)] + pick(8)), kind, touched: null };
    case 'bomb': {
      const values = [0xffffffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0x40000000];
      if (where + 4 <= out.length) out.writeUInt32LE(values[pick(values.length)], where);
      if (rand() < 0.3 && where + 12 <= out.length) out.writeUInt32LE(0xffffffff, where + 8);
      return { bytes: out, kind, touched: [where, where + 1, where + 2, where + 3, where + 8, where + 9, where + 10, where + 11] };
    }
    case 'splice': {
      const cut = pick(32);
      const insert = Buffer.from(Array.from({ length: pick(32) }, () => pick(256)));
      return { bytes: Buffer.concat([out.subarray(0, where), insert, out.subarray(where + cut)]), kind, touched: null };
    }
    default: {
      // A number in text (JSON, npy headers) made huge, negative or fractional.
      const text = out.toString('latin1');
      const numbers = [...text.matchAll(/\d+/g)];
      if (numbers.length === 0) return mutate(bytes, rand, structure);
      const m = numbers[pick(numbers.length)];
      const replacement = ['99999999999999', '-1', '0', '1e308', '2.5', '4294967296', '60000'][pick(7)];
      const edited = Buffer.from(text.slice(0, m.index) + replacement + text.slice(m.index + m[0].length), 'latin1');
      return { bytes: edited, kind, touched: null };
    }
  }
}

/** Byte ranges of each tensor's data in an untouched torch zip or safetensors file, by tensor name. */
async function dataRanges(base, bytes) {
  const source = train.bufferSource(bytes, base.name);
  const ranges = new Map();
  if (base.reader === 'torch-zip') {
    const checkpoint = await train.readTorchCheckpoint(source);
    const entries = await zip.readZipDirectory(source);
    const { stateDict } = train.selectWeights(checkpoint);
    for (const [name, tensor] of stateDict) {
      const entry = entries.get(`${checkpoint.archivePrefix}data/${tensor.storage.key}`);
      const start = await zip.entryDataStart(source, entry);
      ranges.set(name, [start, start + entry.compressedSize]);
    }
  } else if (base.reader === 'safetensors') {
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString());
    for (const [name, entry] of Object.entries(header)) {
      if (name !== '__metadata__') ranges.set(name, [8 + headerLength + entry.data_offsets[0], 8 + headerLength + entry.data_offsets[1]]);
    }
  }
  return ranges;
}

const digest = async (tensor) => Buffer.from(await tensor.bytes()).toString('hex');

/** Runs the base's reader on `path`; returns a summary of what loaded (tensor name -> hex) or throws. */
async function read(base, path) {
  switch (base.reader) {
    case 'torch-zip':
    case 'torch-legacy':
    case 'safetensors': {
      const { stateDict } = await train.loadCheckpoint(path);
      const values = new Map();
      for (const [name, tensor] of stateDict) values.set(name, await digest(tensor));
      return values;
    }
    case 'npy':
      return new Map([['array', Buffer.from((await train.readNpy(path)).data.buffer).toString('hex')]]);
    case 'model-dir': {
      const { model } = await train.loadModelDir(path);
      model.dispose();
      return null;
    }
    case 'train-checkpoint':
      await train.loadTrainCheckpoint(path);
      return null;
    case 'cifar':
      await train.readCifarBinary(path);
      return null;
    case 'image':
      await train.decodeImageFile(path);
      return null;
  }
  throw new Error(`unknown reader ${base.reader}`);
}

const work = join(manifest.workDir, `child-${process.pid}`);
mkdirSync(work, { recursive: true });
const originals = new Map();
const seed = Number(seedText);
for (let index = Number(firstText); index < Number(endText); index++) {
  // One stream per (seed, case), the project's own generator (train/rng.ts).
  const stream = train.rngFor(seed, 'fuzz', index);
  const rand = () => stream.float();
  // The first cases are the bombs as they are (no mutation), for their time and memory.
  const exact = index < manifest.exact.length;
  const base = exact ? manifest.exact[index] : manifest.bases[(index - manifest.exact.length) % manifest.bases.length];
  // A model directory has its mutation in one of its files (model.json twice as often: it holds the graph).
  const dirFile = base.reader === 'model-dir' ? ['model.json', 'model.json', 'preprocess.json', 'weights.bin'][Math.floor(rand() * 4)] : null;
  const original = readFileSync(dirFile === null ? base.path : join(base.path, dirFile));
  const mutation = exact ? { bytes: original, kind: 'exact', touched: null } : mutate(original, rand, boundaries(original));
  let path;
  if (dirFile !== null) {
    path = join(work, `case-${index}`);
    cpSync(base.path, path, { recursive: true });
    writeFileSync(join(path, dirFile), mutation.bytes);
  } else {
    path = join(work, `case-${index}${base.extension}`);
    writeFileSync(path, mutation.bytes);
  }
  console.log(JSON.stringify({ start: index }));
  const peakBefore = process.resourceUsage().maxRSS;
  const begin = performance.now();
  let outcome;
  let values = null;
  try {
    values = await read(base, path);
    outcome = 'loaded';
  } catch (error) {
    outcome = error instanceof Error && TYPED.has(error.name) ? `typed:${error.name}` : `untyped:${error?.name}: ${String(error?.message).slice(0, 200)}`;
  }
  const ms = performance.now() - begin;
  // A load of a file whose only changes lie in other tensors' data must give this tensor's original values.
  if (values !== null && mutation.touched !== null && (base.reader === 'torch-zip' || base.reader === 'safetensors')) {
    if (!originals.has(base.path)) {
      const bytes = readFileSync(base.path);
      originals.set(base.path, { ranges: await dataRanges(base, bytes), values: await read(base, base.path) });
    }
    const { ranges, values: expected } = originals.get(base.path);
    const inData = mutation.touched.every((p) => [...ranges.values()].some(([a, b]) => p >= a && p < b));
    if (inData) {
      for (const [name, value] of values) {
        const range = ranges.get(name);
        const untouched = range !== undefined && mutation.touched.every((p) => p < range[0] || p >= range[1]);
        if (untouched && expected.get(name) !== value) outcome = `wrong-load:${name}`;
      }
    }
  }
  rmSync(path, { recursive: true, force: true });
  // How far this case raised the process's peak RSS (kB): a blow-up shows here even though RSS only grows.
  const peakMB = (process.resourceUsage().maxRSS - peakBefore) / 1024;
  console.log(JSON.stringify({ index, reader: base.reader, kind: mutation.kind, outcome, ms: Math.round(ms), peakMB: Math.round(peakMB) }));
}
