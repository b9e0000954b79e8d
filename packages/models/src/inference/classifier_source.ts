// SPDX-License-Identifier: MIT
// Where loadClassifier gets a model and its preprocess.json: a URL (model.json, or the directory holding it),
// a tfjs IOHandler or URL scheme (indexeddb://) with the preprocessing given, picked files, or a pretrained tag.
import * as tf from '@tensorflow/tfjs';
import { ModelArgumentError } from '../errors.js';
import { getPretrainedConfig, isModelName } from '../registry.js';
import { isHubId } from './hub_id.js';
import { labelNames } from './label_sets.js';
import { parsePreprocess } from './preprocess.js';
import type { ModelPreprocess } from './preprocess.js';

/** What loadClassifier loads from. */
export type ClassifierSource = string | URL | tf.io.IOHandler | readonly File[] | FileList;

export interface SourceOptions {
  /** preprocess.json's content; required for an IOHandler or a non-http URL scheme, else read beside model.json. */
  preprocess?: ModelPreprocess | object;
  /** For a pretrained tag: the URL of its converted model (model.json or its directory). */
  modelUrl?: string | URL;
  /** fetch for preprocess.json and the weights (default: the global fetch). */
  fetchFunc?: typeof fetch;
}

/** A source resolved to what tf.loadLayersModel takes, and the preprocessing. */
export interface ResolvedSource {
  model: string | tf.io.IOHandler;
  preprocess: ModelPreprocess;
  /** What errors call the model (a URL, a file name). */
  name: string;
}

const isHttp = (url: string) => /^https?:\/\//i.test(url);

/** model.json's URL: `url` itself when it names a .json file, else `model.json` in the directory `url`. */
function modelJsonUrl(url: string): string {
  const base = typeof document === 'undefined' ? undefined : document.baseURI;
  const absolute = new URL(url, base).href;
  return /\.json([?#]|$)/i.test(absolute) ? absolute : new URL('model.json', absolute.endsWith('/') ? absolute : `${absolute}/`).href;
}

async function fetchText(url: string, fetchFunc: typeof fetch): Promise<string> {
  let response: Response;
  try {
    response = await fetchFunc(url);
  } catch (error) {
    throw new Error(`cannot fetch ${url}: ${(error as Error).message}`, { cause: error });
  }
  if (!response.ok) throw new Error(`cannot fetch ${url}: HTTP ${response.status} ${response.statusText}`);
  return response.text();
}

function givenPreprocess(where: string, opts: SourceOptions): ModelPreprocess {
  if (opts.preprocess === undefined) throw new ModelArgumentError(`loadClassifier: ${where} needs options.preprocess (the content of the model's preprocess.json)`);
  return parsePreprocess('options.preprocess', opts.preprocess);
}

/** The preprocessing a pretrained tag was published with, as a preprocess.json would state it. */
function tagPreprocess(tag: string): ModelPreprocess {
  const cfg = getPretrainedConfig(tag as Parameters<typeof getPretrainedConfig>[0]);
  return parsePreprocess(`pretrained config of ${cfg.name}`, {
    model: cfg.name,
    inputSize: [...cfg.inputSize],
    mean: [...cfg.mean],
    std: [...cfg.std],
    cropPct: cfg.cropPct,
    interpolation: cfg.interpolation,
    labels: labelNames(cfg.labels, cfg.numClasses),
  });
}

async function fromUrl(url: string, opts: SourceOptions): Promise<ResolvedSource> {
  if (!isHttp(url) && /^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return { model: url, preprocess: givenPreprocess(`source '${url}'`, opts), name: url };
  const modelUrl = modelJsonUrl(url);
  if (opts.preprocess !== undefined) return { model: modelUrl, preprocess: givenPreprocess(modelUrl, opts), name: modelUrl };
  const preprocessUrl = new URL('preprocess.json', modelUrl).href;
  const text = await fetchText(preprocessUrl, opts.fetchFunc ?? fetch);
  return { model: modelUrl, preprocess: parsePreprocess(preprocessUrl, text), name: modelUrl };
}

/** model.json, its weight shards and preprocess.json picked by the user (any order). */
async function fromFiles(files: readonly File[]): Promise<ResolvedSource> {
  const json = files.find((f) => f.name === 'model.json') ?? files.find((f) => f.name.endsWith('.json') && f.name !== 'preprocess.json');
  const pre = files.find((f) => f.name === 'preprocess.json');
  if (json === undefined) throw new ModelArgumentError(`loadClassifier: pick a model.json with its weight shards and preprocess.json; got ${files.map((f) => f.name).join(', ') || 'no files'}`);
  if (pre === undefined) throw new ModelArgumentError('loadClassifier: preprocess.json is missing among the files (it holds the input size, normalisation and labels)');
  const preprocess = parsePreprocess(pre.name, await pre.text());
  return { model: tf.io.browserFiles([json, ...files.filter((f) => f !== json && f !== pre)]), preprocess, name: json.name };
}

/** fromUrl, with a pointer to loadPretrained when a source that looks like a hub id cannot be fetched (only @natzoo/train converts). */
async function fromUrlOrHubHint(url: string, opts: SourceOptions): Promise<ResolvedSource> {
  try {
    return await fromUrl(url, opts);
  } catch (error) {
    if (!isHubId(url)) throw error;
    throw new ModelArgumentError(
      `loadClassifier: '${url}' is no converted model's URL (${(error as Error).message}); if it is a Hugging Face hub id, load it with loadPretrained from @natzoo/train/convert, which downloads and converts it`,
    );
  }
}

export async function resolveSource(source: ClassifierSource, opts: SourceOptions): Promise<ResolvedSource> {
  if (source instanceof URL) return fromUrl(source.href, opts);
  if (typeof source === 'string') {
    if (!isModelName(source)) return fromUrlOrHubHint(source, opts);
    const preprocess = tagPreprocess(source);
    if (opts.modelUrl === undefined) {
      throw new ModelArgumentError(
        `loadClassifier: '${source}' is a pretrained tag; pass options.modelUrl, the URL of its converted model (natzoo convert ${source} writes one), or load the converted directory's URL instead`,
      );
    }
    const url = modelJsonUrl(String(opts.modelUrl));
    return { model: url, preprocess: opts.preprocess === undefined ? preprocess : givenPreprocess(url, opts), name: url };
  }
  if (typeof FileList !== 'undefined' && source instanceof FileList) return fromFiles(Array.from(source));
  if (Array.isArray(source)) return fromFiles(source as readonly File[]);
  if (typeof (source as tf.io.IOHandler).load === 'function') return { model: source as tf.io.IOHandler, preprocess: givenPreprocess('an IOHandler', opts), name: 'the IOHandler' };
  throw new ModelArgumentError(`loadClassifier: source must be a model URL, a pretrained tag, an IOHandler or model files; got ${Object.prototype.toString.call(source)}`);
}
