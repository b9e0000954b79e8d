// SPDX-License-Identifier: MIT
// A Hugging Face hub look-alike on loopback, for the pretrained-by-name tests (tests/load_pretrained.test.ts,
// tests/web_pretrained.test.ts) and scripts/bench_pretrained.mjs: `/{repo}/resolve/{revision}/{file}`, weights
// files answered with a 302 to `/lfs/...` (as the hub redirects LFS files to another host), 404 for files a repo
// lacks, 401 for `gated/*` and 403 for `private/*` repos, and CORS headers except for `nocors/*` repos. As the hub
// does, the redirect of a weights file carries its sha256 as `X-Linked-Etag` and every file answer an ETag, so a
// cache can tell a changed file from its HEAD. Every request is logged so a cache hit can be told from a download.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

/**
 * @typedef {object} HubRepo
 * @property {string} id `owner/name`
 * @property {string[]} [revisions] revisions served (default: `main`)
 * @property {Record<string, Uint8Array | object>} files file name -> bytes or JSON value
 */

const WEIGHTS = /\.(bin|safetensors|pth)$/;

/**
 * @param {readonly HubRepo[]} repos
 * @param {Record<string, Uint8Array>} [extra] other paths served as they are (release files)
 * @returns {Promise<{ url: string, requests: string[], close(): Promise<void> }>}
 */
export async function serveHub(repos, extra = {}) {
  const byId = new Map(repos.map((r) => [r.id, r]));
  /** @type {string[]} */
  const requests = [];
  const server = createServer((request, response) => {
    // Matched undecoded, so that an encoded revision (`refs%2Fpr%2F1`) stays one path segment.
    const raw = new URL(request.url ?? '/', 'http://x').pathname;
    const path = decodeURIComponent(raw);
    requests.push(`${request.method} ${raw}`);
    /** @type {Record<string, string | number>} */
    const headers = path.includes('/nocors/') ? {} : { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'content-length, etag, x-linked-etag' };
    const sha256 = (/** @type {Uint8Array} */ bytes) => `"${createHash('sha256').update(bytes).digest('hex')}"`;
    const send = (/** @type {number} */ status, /** @type {Uint8Array | string} */ body, type = 'application/octet-stream') => {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      const etag = status === 200 ? { etag: sha256(bytes) } : {};
      response.writeHead(status, { ...headers, ...etag, 'content-type': type, 'content-length': bytes.length });
      response.end(request.method === 'HEAD' ? undefined : bytes);
    };
    if (extra[path] !== undefined) return send(200, extra[path]);
    const lfs = /^\/lfs\/(.+)\/([^/]+)$/.exec(path);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(raw);
    const repoId = lfs?.[1] ?? resolve?.[1];
    if (repoId?.startsWith('gated/')) return send(401, 'Access to model is restricted. You must be authenticated.');
    if (repoId?.startsWith('private/')) return send(403, 'Forbidden');
    const repo = repoId === undefined ? undefined : byId.get(repoId);
    if (repo === undefined) return send(404, 'Repository not found');
    const file = lfs?.[2] ?? resolve?.[3] ?? '';
    const content = repo.files[file];
    if (resolve && !(repo.revisions ?? ['main']).includes(decodeURIComponent(resolve[2] ?? ''))) return send(404, 'Revision not found');
    if (content === undefined) return send(404, 'Entry not found');
    if (resolve && WEIGHTS.test(file)) {
      const linked = content instanceof Uint8Array ? { 'x-linked-etag': sha256(content) } : {};
      response.writeHead(302, { ...headers, ...linked, location: `/lfs/${repo.id}/${file}` }).end();
      return;
    }
    if (content instanceof Uint8Array) return send(200, content);
    return send(200, JSON.stringify(content), 'application/json');
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', () => done(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () => new Promise((done) => server.close(() => done(undefined))),
  };
}

/**
 * transformers' config.json for a NAT (`model_type: nat`) or DiNAT (`dinat`) with upstream constructor kwargs.
 * @param {'nat' | 'dinat'} modelType
 * @param {{ embed_dim: number, mlp_ratio: number, depths: number[], num_heads: number[], kernel_size: number, layer_scale?: number, dilations?: number[][] }} kwargs
 * @param {readonly string[]} labels class names in logit order (id2label)
 */
export function hfConfig(modelType, kwargs, labels) {
  const id2label = Object.fromEntries(labels.map((name, i) => [String(i), name]));
  return {
    architectures: [modelType === 'nat' ? 'NatForImageClassification' : 'DinatForImageClassification'],
    model_type: modelType,
    embed_dim: kwargs.embed_dim,
    depths: kwargs.depths,
    num_heads: kwargs.num_heads,
    kernel_size: kwargs.kernel_size,
    mlp_ratio: kwargs.mlp_ratio,
    patch_size: 4,
    num_channels: 3,
    qkv_bias: true,
    hidden_act: 'gelu',
    layer_norm_eps: 1e-5,
    layer_scale_init_value: kwargs.layer_scale ?? 0.0,
    drop_path_rate: 0.1,
    ...(modelType === 'dinat' ? { dilations: kwargs.dilations } : {}),
    id2label,
    label2id: Object.fromEntries(labels.map((name, i) => [name, i])),
  };
}

/** preprocessor_config.json of the shi-labs ImageNet repos (timm's ImageNet eval transform). */
export const IMAGENET_PREPROCESSOR = { crop_pct: 0.875, do_normalize: true, do_resize: true, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225], resample: 3, size: 224 };
