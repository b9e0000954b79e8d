// SPDX-License-Identifier: MIT
// `natzoo train`: flags to TrainOptions. The recipe is timm's defaults, then `--config` (an upstream YAML file),
// then `--set key=value` pairs (the same keys), then the dedicated flags (--epochs, --batch-size, --lr, --seed).
import { availableParallelism } from 'node:os';
import { parse as parseYaml } from 'yaml';
import type { Argv } from 'yargs';
import { readRecipeFile, recipeFromObject, train } from '@natzoo/train';
import type { Recipe } from '@natzoo/train';
import type { CommandModule } from 'yargs';
import { registerTrainingKernels } from '@natzoo/core/training-kernels';
import { BACKENDS, useBackend } from '../backend.js';
import { jsonOption, printResult } from '../options.js';
import { progressBar } from '../progress.js';

function trainBuilder(y: Argv) {
  return y
    .option('model', { type: 'string', describe: 'registered model name (e.g. cct_2_3x2_32); default: the --init model\'s architecture' })
    .option('data', { type: 'string', describe: 'cifar10:<dir|file> | cifar100:<dir|file> | imagefolder:<dir> (binary or python-pickle CIFAR; ImageFolder with train/ and val/)' })
    .option('out', { type: 'string', demandOption: true, describe: 'run directory: checkpoint.safetensors, log.jsonl, model/ (written atomically)' })
    .option('config', { type: 'string', describe: 'timm / upstream YAML config (lr, batch_size, epochs, warmup_epochs, cooldown_epochs, weight_decay, drop_path, model_ema, aa, mixup, ...)' })
    .option('set', { type: 'string', array: true, describe: 'override one config key: --set lr=1e-3 --set aa=rand-m9-mstd0.5-inc1' })
    .option('arch', { type: 'string', array: true, describe: 'model constructor argument, upstream or camelCase name: --arch embedding_dim=64 --arch num_layers=2' })
    .option('resume', { type: 'boolean', default: false, describe: 'continue from <out>/checkpoint.safetensors exactly where it stopped' })
    .option('init', { type: 'string', describe: 'start from a converted model directory (fine-tuning); weights copied where name and shape match' })
    .option('num-classes', { type: 'number', describe: 'classes of the head (a new head when it differs from --init\'s)' })
    .option('epochs', { type: 'number', describe: 'epochs of the cosine schedule (the run adds cooldown_epochs)' })
    .option('batch-size', { type: 'number' })
    .option('lr', { type: 'number' })
    .option('seed', { type: 'number', describe: 'run seed: initial weights, data order, augmentation, dropout' })
    .option('val-count', { type: 'number', describe: 'hold out the last N training images as a fixed validation split' })
    .option('val-labels', { type: 'string', describe: 'label file of a flat ILSVRC-style val/ folder (default <data>/val_labels.txt)' })
    .option('workers', { type: 'number', default: 1, describe: 'threads each training step runs on: the batch is split and the gradients averaged (the one-thread result to float rounding; cpu and wasm backends)' })
    .option('decode-workers', { type: 'number', default: Math.max(1, Math.min(4, availableParallelism() - 1)), describe: 'image decoding threads (image files only; 0: main thread)' })
    .option('prefetch', { type: 'number', default: 2, describe: 'batches prepared ahead' })
    .option('checkpoint-every', { type: 'number', default: 0, describe: 'also checkpoint every N steps inside an epoch (0: at epoch ends only)' })
    .option('export-pt', { type: 'boolean', default: false, describe: 'also write <out>/model.safetensors, a PyTorch state_dict with upstream names' })
    .option('progress', { type: 'boolean', default: true, describe: 'progress bar (--no-progress to disable)' })
    .option('recompute', { type: 'boolean', default: true, describe: 'recompute activations in the backward pass: the same gradients in a fraction of the memory (--no-recompute: keep them)' })
    .option('micro-batch', { type: 'number', describe: 'run each batch in slices of N images and sum their gradients (a batch larger than memory allows)' })
    .option('json', jsonOption)
    .option('backend', { type: 'string', choices: BACKENDS, describe: 'default: tfjs-node when installed, else wasm' })
    .example('$0 train --model cct_2_3x2_32 --data cifar10:data/cifar-10-batches-bin --out runs/cct2 --backend cpu', 'train from scratch')
    .example('$0 train --init checkpoints/cct_2_3x2_32.cifar10 --data cifar100:data/cifar-100-python --num-classes 100 --out runs/ft', 'fine-tune with a new head');
}

type TrainArgs = ReturnType<typeof trainBuilder> extends Argv<infer T> ? T : never;

/** `--set key=value` pairs, values read as YAML scalars (numbers, booleans, null, [a, b]). */
function setPairs(pairs: readonly string[], flag = '--set'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`${flag} ${pair}: expected key=value`);
    out[pair.slice(0, eq)] = parseYaml(pair.slice(eq + 1)) as unknown;
  }
  return out;
}

async function runTrain(argv: TrainArgs): Promise<void> {
  const backend = await useBackend(argv.backend);
  const recipe: Partial<Recipe> & { ignoredKeys?: string[] } = argv.config === undefined ? {} : await readRecipeFile(argv.config);
  if (recipe.ignoredKeys !== undefined) console.error(`--config ${argv.config}: ignoring ${recipe.ignoredKeys.join(', ')} (PyTorch-specific)`);
  delete recipe.ignoredKeys;
  Object.assign(recipe, recipeFromObject('--set', setPairs(argv.set ?? [])));
  const flags = { epochs: argv.epochs, batchSize: argv['batch-size'], lr: argv.lr, seed: argv.seed };
  for (const [key, value] of Object.entries(flags)) if (value !== undefined) Object.assign(recipe, { [key]: value });
  if (argv.resume && (argv.config !== undefined || argv.init !== undefined || argv.arch !== undefined || argv.set !== undefined || Object.values(flags).some((v) => v !== undefined))) {
    throw new Error('--resume continues the run as it was checkpointed; it takes no --config, --init, --arch, --set or recipe flags');
  }
  console.error(`natzoo train on the ${backend} backend`);
  registerTrainingKernels();
  const bar = progressBar('epoch {epoch} [{bar}] {value}/{total} | loss {loss} | lr {lr} | {ips} img/s | ETA {eta_formatted}', { keep: true });
  const result = await train({
    model: argv.model, arch: setPairs(argv.arch ?? [], '--arch'), data: argv.data, valCount: argv['val-count'], valLabels: argv['val-labels'], recipe, out: argv.out,
    resume: argv.resume, init: argv.init, numClasses: argv['num-classes'], decodeWorkers: argv['decode-workers'], workers: argv.workers, prefetch: argv.prefetch,
    checkpointEvery: argv['checkpoint-every'], exportPt: argv['export-pt'],
    onStep: argv.progress ? (p) => bar.update(p.step, p.stepsPerEpoch, { epoch: `${p.epoch}/${p.totalEpochs}`, loss: p.loss.toFixed(4), lr: p.lr.toExponential(2), ips: p.imagesPerSecond.toFixed(1) }) : undefined,
    recompute: argv.recompute, microBatch: argv['micro-batch'],
  });
  bar.stop();
  const e = result.lastEval;
  const text = `trained to epoch ${result.position.epoch} (${result.position.globalStep} steps)` +
    (e === null ? '' : `: val top-1 ${(100 * e.top1).toFixed(2)}%, top-5 ${(100 * e.top5).toFixed(2)}% on ${e.count} images`);
  printResult(argv.json, { model: argv.model ?? argv.init, backend, out: argv.out, position: result.position, lastEval: e }, text);
}

export const trainCommand: CommandModule<object, TrainArgs> = {
  command: 'train',
  describe: 'train or fine-tune a model (CIFAR, ImageFolder) with the upstream recipes; resumable',
  builder: trainBuilder,
  handler: runTrain,
};
