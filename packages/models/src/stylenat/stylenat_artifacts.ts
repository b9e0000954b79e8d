// SPDX-License-Identifier: MIT
// StyleNAT on disk, in memory form (browser-safe): a model.json with the configurations and a tfjs weights
// manifest, plus one binary of weights named `<module>/<upstream key>` (`g_ema/style.1.weight`). Modules: `g_ema`
// (what generation uses), and for training or fine-tuning `g` and `d`. The Node file I/O is in @natzoo/train.
import * as tf from '@tensorflow/tfjs';
import { StyleNATDiscriminator } from './discriminator.js';
import { StyleNATGenerator } from './generator.js';
import type { ParamSet } from './param_set.js';
import { resolveDiscriminatorConfig, resolveStyleNATConfig } from './stylenat_config.js';
import type { StyleNATConfig, StyleNATDiscriminatorConfig } from './stylenat_config.js';

export const STYLENAT_FORMAT = 'natzoo-stylenat';

export type StyleNATModuleName = 'g_ema' | 'g' | 'd';

export interface StyleNATModules {
  g_ema: StyleNATGenerator;
  g?: StyleNATGenerator;
  d?: StyleNATDiscriminator;
}

export interface StyleNATModelJson {
  format: typeof STYLENAT_FORMAT;
  version: 1;
  generator: StyleNATConfig;
  discriminator?: StyleNATDiscriminatorConfig;
  modules: StyleNATModuleName[];
  /** Free-form provenance (checkpoint name, sha256, URL, training step). */
  meta?: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

function paramsOf(modules: StyleNATModules): [StyleNATModuleName, ParamSet][] {
  const out: [StyleNATModuleName, ParamSet][] = [['g_ema', modules.g_ema.params]];
  if (modules.g !== undefined) out.push(['g', modules.g.params]);
  if (modules.d !== undefined) out.push(['d', modules.d.params]);
  return out;
}

/** model.json (naming `weightsPath` as its single shard) and the weight bytes. */
export async function encodeStyleNAT(modules: StyleNATModules, weightsPath: string, meta?: Record<string, unknown>): Promise<{ modelJson: StyleNATModelJson; weightData: ArrayBuffer }> {
  const named: tf.NamedTensorMap = {};
  const entries = paramsOf(modules);
  for (const [module, params] of entries) for (const [key, v] of params.vars) named[`${module}/${key}`] = v;
  const { data, specs } = await tf.io.encodeWeights(named);
  const modelJson: StyleNATModelJson = {
    format: STYLENAT_FORMAT,
    version: 1,
    generator: modules.g_ema.config,
    ...(modules.d !== undefined ? { discriminator: modules.d.config } : {}),
    modules: entries.map(([m]) => m),
    ...(meta !== undefined ? { meta } : {}),
    weightsManifest: [{ paths: [weightsPath], weights: specs }],
  };
  return { modelJson, weightData: data };
}

/** Whether a parsed model.json is a StyleNAT one (rather than a tfjs LayersModel). */
export function isStyleNATModelJson(json: unknown): json is StyleNATModelJson {
  return typeof json === 'object' && json !== null && (json as { format?: unknown }).format === STYLENAT_FORMAT;
}

/** Rebuilds the modules from model.json and the concatenated weight shards. */
export function decodeStyleNAT(modelJson: StyleNATModelJson, weightData: ArrayBuffer, only?: readonly StyleNATModuleName[]): StyleNATModules {
  if (!isStyleNATModelJson(modelJson)) throw new Error(`model.json: format is not '${STYLENAT_FORMAT}'`);
  const specs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const arrays = decodeFloat32Weights(weightData, specs);
  const values = (module: string) => {
    const out = new Map<string, Float32Array>();
    const prefix = `${module}/`;
    for (const [name, data] of arrays) if (name.startsWith(prefix)) out.set(name.slice(prefix.length), data);
    return out;
  };
  const wanted = (m: StyleNATModuleName) => modelJson.modules.includes(m) && (only === undefined || only.includes(m));
  const gConfig = resolveStyleNATConfig('model.json generator', modelJson.generator);
  const build = (m: 'g_ema' | 'g') => {
    const v = values(m);
    const g = new StyleNATGenerator(gConfig, v);
    if (v.size !== g.params.specs.size) {
      g.dispose();
      throw new Error(`model.json: module ${m} has ${v.size} weights, its configuration needs ${g.params.specs.size}`);
    }
    return g;
  };
  const modules: StyleNATModules = { g_ema: build('g_ema') };
  if (wanted('g')) modules.g = build('g');
  if (wanted('d')) {
    if (modelJson.discriminator === undefined) throw new Error('model.json: module d listed without a discriminator configuration');
    const v = values('d');
    modules.d = new StyleNATDiscriminator(resolveDiscriminatorConfig('model.json discriminator', modelJson.discriminator), v);
    if (v.size !== modules.d.params.specs.size) throw new Error(`model.json: module d has ${v.size} weights, its configuration needs ${modules.d.params.specs.size}`);
  }
  return modules;
}

/**
 * Weight bytes -> name -> Float32Array, read on the CPU (no tensors: reading back from a GPU backend
 * synchronously is not possible in Node). Our files hold unquantised float32 only.
 */
function decodeFloat32Weights(data: ArrayBuffer, specs: readonly tf.io.WeightsManifestEntry[]): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  let offset = 0;
  for (const spec of specs) {
    if (spec.dtype !== 'float32' || spec.quantization !== undefined) throw new Error(`model.json: weight ${spec.name} is ${spec.dtype}${spec.quantization ? ' (quantized)' : ''}; expected float32`);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (offset + 4 * size > data.byteLength) throw new Error(`weights: ${data.byteLength} bytes end inside ${spec.name}`);
    out.set(spec.name, new Float32Array(data.slice(offset, offset + 4 * size)));
    offset += 4 * size;
  }
  if (offset !== data.byteLength) throw new Error(`weights: ${data.byteLength - offset} bytes left after the last weight`);
  return out;
}
