// SPDX-License-Identifier: MIT
// A Hugging Face hub look-alike on loopback for the pretrained-by-name tests and benchmarks:
// `/{repo}/resolve/{revision}/{file}`, weights files answered with a 302 to `/lfs/...` (as the hub redirects LFS
// files to another host), 404 for files a repo lacks, 401 for `gated/*` and 403 for `private/*` repos, and CORS
// headers except for `nocors/*` repos. Every request is logged so tests can tell a cache hit from a download.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HubRepo {
  /** `owner/name`. */
  id: string;
  /** Revisions served (default: `main`). */
  revisions?: string[];
  /** File name -> bytes or JSON value. */
  files: Record<string, Uint8Array | object>;
}

export interface HubServer {
  url: string;
  /** `METHOD path` of every request, in order. */
  requests: string[];
  close(): Promise<void>;
}

const WEIGHTS = /\.(bin|safetensors|pth)$/;

export async function serveHub(repos: readonly HubRepo[], extra: Record<string, Uint8Array> = {}): Promise<HubServer> {
  const byId = new Map(repos.map((r) => [r.id, r]));
  const requests: string[] = [];
  const server = createServer((request, response) => {
    // Matched undecoded, so that an encoded revision (`refs%2Fpr%2F1`) stays one path segment.
    const raw = new URL(request.url ?? '/', 'http://x').pathname;
    const path = decodeURIComponent(raw);
    requests.push(`${request.method} ${raw}`);
    const cors = !path.includes('/nocors/') && !path.startsWith('/nocors/');
    const headers: Record<string, string | number> = cors ? { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'content-length' } : {};
    const send = (status: number, body: Uint8Array | string, type = 'application/octet-stream') => {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      response.writeHead(status, { ...headers, 'content-type': type, 'content-length': bytes.length });
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
    const file = lfs?.[2] ?? resolve![3]!;
    const content = repo.files[file];
    if (resolve && !(repo.revisions ?? ['main']).includes(decodeURIComponent(resolve[2]!))) return send(404, 'Revision not found');
    if (content === undefined) return send(404, 'Entry not found');
    if (resolve && WEIGHTS.test(file)) {
      response.writeHead(302, { ...headers, location: `/lfs/${repo.id}/${file}` }).end();
      return;
    }
    if (content instanceof Uint8Array) return send(200, content);
    return send(200, JSON.stringify(content), 'application/json');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
