// SPDX-License-Identifier: MIT
// `natzoo convert`: a PyTorch checkpoint (file or URL) -> a tfjs model directory.
import yargs from 'yargs';
import type { Argv, CommandModule } from 'yargs';
import { ConfigInferenceError, convertCheckpoint, fetchCheckpoint, isUrl, QUANTIZATIONS, readLabelFile } from '@natzoo/train';
import type { ConfigInference, ConvertReport, Quantization } from '@natzoo/train';
import { useBackend } from '../backend.js';
import { budgetOption, parseBudgets } from '../budget_option.js';
import { readConfig } from '../config_file.js';
import { downloadBar } from '../download_bar.js';
import { describeError } from '../errors.js';
import { jsonOption, printResult } from '../options.js';

/** The one-line summary `natzoo convert` prints. */
export function describeConversion(source: string, out: string, report: ConvertReport): string {
  const extras = [
    report.weightsKey !== null ? `weights from '${report.weightsKey}'` : '',
    report.strippedPrefix !== null ? `prefix '${report.strippedPrefix}' removed` : '',
    report.naming === 'transformers' ? 'transformers names renamed to upstream ones' : '',
    report.ignored.length > 0 ? `${report.ignored.length} derivable buffers skipped` : '',
    report.converted.length > 0 ? `${report.converted.length} converted (${[...new Set(report.converted.map((c) => c.note))].join('; ')})` : '',
  ].filter((s) => s !== '');
  return (
    `converted ${source} -> ${out}: ${report.loaded.length} weights loaded, ${report.missing.length} missing, ${report.unused.length} unused` +
    (extras.length > 0 ? ` (${extras.join(', ')})` : '')
  );
}

const value = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** What the weights told and what a variant supplied, one line each (nothing when nothing was inferred). */
export function describeInference(inference: Pick<ConfigInference, 'inferred' | 'fromVariant'> | undefined): string[] {
  const lines: string[] = [];
  if (inference === undefined) return lines;
  if (inference.inferred.length > 0) lines.push(`read from the weights: ${inference.inferred.map((f) => `${f.kwarg} ${value(f.value)}`).join(', ')}`);
  for (const f of inference.fromVariant) lines.push(`not in the weights, from ${f.variant}: ${f.kwarg} ${value(f.value)}`);
  return lines;
}

/** The question for each argument the weights cannot show, in the CLI's words. */
const QUESTIONS: Record<string, string> = {
  dilations: 'NAT or DiNAT?',
  dilation: 'isotropic NAT or DiNAT?',
  num_heads: 'how many attention heads?',
};

/** ConfigInferenceError in flags: what was read, then per missing argument the question and the choices. */
export function describeMissingArguments(error: ConfigInferenceError): string {
  const { inference } = error;
  const asked = inference.asked.map((a) => {
    const models = a.candidates.length > 0 ? `pass --model ${a.candidates.map((c) => c.split(':')[0]).join(' / ')}, or ` : '';
    return `  ${a.kwarg}: ${QUESTIONS[a.kwarg] ?? ''} ${a.why}; ${models}--config with ${a.kwarg}: ${a.shape}${a.candidates.length > 0 ? ` (${a.candidates.join('; ')})` : ''}`;
  });
  return [`cannot build ${inference.base} from these weights without ${inference.asked.map((a) => a.kwarg).join(', ')}`, ...describeInference(inference).map((l) => `  ${l}`), ...asked].join('\n');
}

const builder = (y: Argv) =>
  y
    .positional('checkpoint', { type: 'string', demandOption: true, describe: '.pth / .pth.tar / .pt / .safetensors file, or an http(s) URL' })
    .option('model', { type: 'string', demandOption: true, describe: 'registered name or arch.tag, e.g. cct_2_3x2_32.cifar10, or a family (nat, dinat, dinat_s, isotropic, cct, cvt, vit_lite, convmlp: the variant whose shapes fit); StyleNAT: stylenat_ffhq256, stylenat_ffhq1024, stylenat (+ --config)' })
    .option('out', { type: 'string', demandOption: true, describe: 'output directory (written atomically)' })
    .option('num-classes', { type: 'number', describe: 'head size, when it differs from the tag\'s' })
    .option('config', { type: 'string', describe: 'JSON of architecture arguments with upstream names (embed_dim, depths, kernel_size, embedding_dim, ...), over those read from the weights; only what the weights cannot show is needed (dilations, num_heads); may also set input_size/img_size, mean, std, crop_pct, interpolation, labels' })
    .option('input-size', { type: 'number', describe: 'side of the square input the model is built and checked for, and preprocess.json\'s default; NAT/DiNAT/ConvMLP then run at other sizes too (classify --input-size); default: the variant\'s' })
    .option('ema', { type: 'boolean', default: false, describe: 'take the EMA weights of a training checkpoint (state_dict_ema, model_ema, ...) instead of state_dict' })
    .option('key', { type: 'string', describe: 'dotted path of the entry holding the weights, when it is not found automatically' })
    .option('resize-rpb', { type: 'boolean', default: false, describe: 'NAT family: resize rpb tables of another kernel size bicubically (as upstream made 11x11 weights from 7x7 ones)' })
    .option('labels', { type: 'string', describe: 'class names, one per line in label order (e.g. CIFAR-10 batches.meta.txt)' })
    .option('quantize', { type: 'string', choices: QUANTIZATIONS, describe: 'store the weights as float16 (half the bytes) or uint8 (a quarter; per-tensor affine); tfjs dequantizes on load' })
    .option('overwrite', { type: 'boolean', default: false, describe: 'replace an existing --out' })
    .option('budget', budgetOption)
    .option('json', jsonOption)
    .example('$0 convert model_best.pth.tar --model cct_2_3x2_32.cifar10 --out checkpoints/cct_2_3x2_32.cifar10', '')
    .example('$0 convert state_dict.pth --model nat_mini --config arch.json --input-size 96 --out nat96', 'a custom NAT built for 96 px inputs')
    .example('$0 convert huge.pth --model dinat_large.in22k_in1k --out dinat_l --budget max-pickle-opcodes=2e6', 'a trusted checkpoint above a reader limit');

type ConvertArgs = ReturnType<typeof builder> extends Argv<infer T> ? T : never;

/** Runs `natzoo convert` with parsed arguments; resolves to the report it printed. */
export async function runConvert(argv: ConvertArgs, print: (line: string) => void = console.log): Promise<ConvertReport> {
  const config = argv.config === undefined ? undefined : await readConfig(argv.config);
  const labels = argv.labels === undefined ? undefined : await readLabelFile(argv.labels);
  // A URL is downloaded into the cache first (hash-checked when its name carries one).
  const url = isUrl(argv.checkpoint) ? argv.checkpoint : undefined;
  const bar = downloadBar(argv.checkpoint);
  const checkpoint = await fetchCheckpoint(argv.checkpoint, { onProgress: bar.onProgress }).finally(bar.stop);
  await useBackend();
  const report = await convertCheckpoint({
    checkpoint,
    model: argv.model,
    out: argv.out,
    numClasses: argv['num-classes'],
    config,
    labels,
    sourceUrl: url,
    overwrite: argv.overwrite,
    inputSize: argv['input-size'],
    ema: argv.ema,
    key: argv.key,
    resizeRpb: argv['resize-rpb'],
    quantize: argv.quantize as Quantization | undefined,
    budget: parseBudgets(argv.budget).read,
  }).catch((error: unknown) => {
    throw error instanceof ConfigInferenceError ? new Error(describeMissingArguments(error), { cause: error }) : error;
  });
  if (argv.json) printResult(true, { model: argv.model, out: argv.out, report }, '');
  else for (const line of [describeConversion(argv.checkpoint, argv.out, report), ...describeInference(report.inference)]) print(line);
  return report;
}

export const convertCommand: CommandModule<object, ConvertArgs> = {
  command: 'convert <checkpoint>',
  describe: 'convert a PyTorch checkpoint into a tfjs model directory (model.json, 4 MB weight shards, preprocess.json)',
  builder,
  handler: async (argv) => {
    await runConvert(argv);
  },
};

/**
 * `natzoo convert <args...>` in this process (same options and handler as the CLI, errors thrown rather than
 * printed), for scripts and tests that convert many checkpoints without starting node for each.
 */
export async function convertCli(args: readonly string[], print: (line: string) => void = console.log): Promise<ConvertReport> {
  let report: ConvertReport | undefined;
  try {
    await yargs(['convert', ...args])
      .scriptName('natzoo')
      .command({ ...convertCommand, handler: async (argv) => void (report = await runConvert(argv, print)) })
      .strict()
      .exitProcess(false)
      .fail((message, error) => {
        throw error ?? new Error(message);
      })
      .parseAsync();
  } catch (error) {
    // Worded as the command line words it: library argument names become flags.
    throw error instanceof Error ? new Error(describeError(error), { cause: error }) : error;
  }
  if (report === undefined) throw new Error(`natzoo convert ${args.join(' ')}: the command did not run`);
  return report;
}
