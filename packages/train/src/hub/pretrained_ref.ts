// SPDX-License-Identifier: MIT
// A pretrained model by name -> what to download and how to convert it. A hub id (`shi-labs/dinat-mini-in1k-224`)
// reads the repo's config.json and preprocessor_config.json; a registry tag (`nat_mini.in1k`) uses its release
// URL, input size, crop and labels. Nothing is downloaded here but the two small JSON files.
import { getPretrainedConfig, isHubId, isModelName } from '@natzoo/models';
import type { ModelName, PretrainedTag } from '@natzoo/models';
import type { ConvertModelOptions } from '../convert/convert_options.js';
import { HubError } from './hub_error.js';
import { hubJson, type HubFetchOptions } from './hub_fetch.js';
import { hubModelSpec, hubPreprocess } from './hub_config.js';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/** `HF_ENDPOINT` where there is an environment (Node; as huggingface_hub reads it), else the public hub. */
export function defaultHubEndpoint(): string {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return (env?.['HF_ENDPOINT'] ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
}

/** Weights files of a hub repo, in order of preference (the first that exists is used). */
export const HUB_WEIGHT_FILES = ['model.safetensors', 'pytorch_model.bin'] as const;

export interface PretrainedRefOptions extends HubFetchOptions {
  /** The hub's address (a mirror, a test server); default `HF_ENDPOINT` in Node, else https://huggingface.co. */
  endpoint?: string;
  /** Branch, tag or commit of a hub repo; default `main`. */
  revision?: string;
  /** For a registry tag: the release URL to download instead of the registry's (a mirror, a local copy). */
  url?: string;
}

export interface PretrainedPlan {
  /** The name as given. */
  ref: string;
  kind: 'hub' | 'tag';
  /** `main` etc. for a hub id; the release URL for a tag. */
  revision: string;
  /** URLs to try for the weights, in order; a 404 moves to the next. */
  weightUrls: string[];
  convert: ConvertModelOptions;
}

/** `{endpoint}/{repo}/resolve/{revision}/{file}` (the revision URL-encoded: `refs/pr/1` -> `refs%2Fpr%2F1`). */
export function hubFileUrl(endpoint: string, repo: string, revision: string, file: string): string {
  return `${endpoint.replace(/\/+$/, '')}/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
}

async function hubPlan(repo: string, opts: PretrainedRefOptions): Promise<PretrainedPlan> {
  const endpoint = opts.endpoint ?? defaultHubEndpoint();
  const revision = opts.revision ?? 'main';
  const url = (file: string) => hubFileUrl(endpoint, repo, revision, file);
  const config = (await hubJson(url('config.json'), opts)) as Record<string, unknown>;
  const spec = hubModelSpec(`${repo} config.json`, config);
  const pre = hubPreprocess(`${repo} preprocessor_config.json`, (await hubJson(url('preprocessor_config.json'), opts, true)) as Record<string, unknown> | null);
  return {
    ref: repo,
    kind: 'hub',
    revision,
    weightUrls: HUB_WEIGHT_FILES.map(url),
    convert: { model: spec.model, config: { ...spec.config, ...pre.config }, labels: spec.labels, inputSize: pre.inputSize },
  };
}

function tagPlan(tag: string, opts: PretrainedRefOptions): PretrainedPlan {
  let url: string | undefined;
  try {
    url = opts.url ?? getPretrainedConfig(tag as ModelName | PretrainedTag).url;
  } catch (error) {
    throw new HubError('bad-reference', tag, (error as Error).message.replace(/^getPretrainedConfig: /, ''), null, { cause: error });
  }
  if (url === undefined) throw new HubError('bad-reference', tag, 'has no release URL; convert a checkpoint of it with convertModel and load that instead');
  return { ref: tag, kind: 'tag', revision: url, weightUrls: [url], convert: { model: tag } };
}

/** What loading `ref` takes: a hub id (reads its config.json) or a registry `arch.tag`. */
export async function resolvePretrained(ref: string, opts: PretrainedRefOptions = {}): Promise<PretrainedPlan> {
  if (isModelName(ref)) return tagPlan(ref, opts);
  if (isHubId(ref)) return hubPlan(ref, opts);
  throw badReference(ref);
}

/** The error for a name that is neither a hub id nor a registry tag. */
export function badReference(ref: string): HubError {
  return new HubError('bad-reference', ref, 'expected a hub id such as shi-labs/dinat-mini-in1k-224 or a registry tag such as nat_mini.in1k');
}
