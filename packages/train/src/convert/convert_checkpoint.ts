// SPDX-License-Identifier: MIT
// Node only: a PyTorch checkpoint file -> a natzoo model directory. convertModel (browser-safe) builds the
// model(s); this writes them atomically: model.json + weights + preprocess.json for classifiers, the StyleNAT
// directory format for StyleNAT.
import { openFileSource } from '../io/file_source.js';
import { saveStyleNATDir } from '../gan/stylenat_dir.js';
import { convertModel, disposeConverted } from './convert_model.js';
import type { ConvertModelOptions, ConvertReport } from './convert_options.js';
import { saveModelDir } from './model_dir.js';
import type { Quantization } from './weight_quantization.js';

export type { ConvertReport } from './convert_options.js';

export interface ConvertOptions extends ConvertModelOptions {
  /** A local `.pth` / `.pth.tar` / `.pt` / `.safetensors` file (download URLs first: `downloadToCache`). */
  checkpoint: string;
  out: string;
  /** Where the checkpoint was downloaded from, recorded in the directory's provenance. */
  sourceUrl?: string;
  overwrite?: boolean;
  /** Store classifier weights as float16 or uint8. */
  quantize?: Quantization;
}

export async function convertCheckpoint(opts: ConvertOptions): Promise<ConvertReport> {
  const { checkpoint, out, sourceUrl, overwrite, quantize, ...modelOptions } = opts;
  const converted = await convertModel(await openFileSource(checkpoint), modelOptions);
  try {
    const source = { ...converted.source!, ...(sourceUrl ? { url: sourceUrl } : {}) };
    if (converted.kind === 'classifier') await saveModelDir(converted.model, out, { ...converted.preprocess, source }, { overwrite: overwrite === true, ...(quantize ? { quantize } : {}) });
    else if (quantize !== undefined) throw new Error(`--quantize: applies to classifiers; ${opts.model} is a StyleNAT generator`);
    else await saveStyleNATDir(out, converted.modules, { model: opts.model, source, convertedBy: 'natzoo convert' }, overwrite);
    return converted.report;
  } finally {
    disposeConverted(converted);
  }
}
