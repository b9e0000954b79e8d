// SPDX-License-Identifier: MIT
// The peers of scripts/bench_models.mjs, each in its own process: PyTorch (scripts/peers/zoo_torch.py under
// Debian's /usr/bin/python3), and onnxruntime-node and onnxruntime-web (scripts/bench/ort_peer.mjs) on the ONNX
// graph that the PyTorch script exports. A missing peer is reported with the reason, never an error.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const TORCH_SCRIPT = fileURLToPath(new URL('../peers/zoo_torch.py', import.meta.url));
const ORT_SCRIPT = fileURLToPath(new URL('./ort_peer.mjs', import.meta.url));

/**
 * Runs a command, forwarding its stderr lines (progress) with a prefix, and resolves with its stdout.
 * @param {string} cmd @param {string[]} args @param {(line: string) => void} progress
 * @returns {Promise<{code: number | null, stdout: string, stderr: string}>}
 */
function run(cmd, args, progress) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => {
      stderr += d;
      for (const line of String(d).split('\n')) if (/^\[[\w-]+\]/.test(line)) progress(line);
    });
    child.on('error', (err) => resolve({ code: -1, stdout, stderr: String(err.message) }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The JSON object on the last stdout line of a peer process, or an Error naming what went wrong. */
function parseResult(/** @type {string} */ what, /** @type {{code: number | null, stdout: string, stderr: string}} */ r) {
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code === 0 && last.startsWith('{')) return JSON.parse(last);
  const tail = r.stderr.trim().split('\n').filter((l) => !/Warning|warn\(/.test(l)).slice(-1)[0] ?? '';
  return new Error(`${what} exited with ${r.code}: ${tail.slice(0, 200)}`);
}

/** Why a package cannot be imported here, or null. */
async function unimportable(/** @type {string} */ pkg) {
  try {
    await import(/* @vite-ignore */ pkg);
    return null;
  } catch (err) {
    return `${pkg} not importable (${String(/** @type {any} */ (err)?.message ?? err).split('\n')[0]})`;
  }
}

/** Whether each peer can run here: {torch, ort, ortWeb: reason | null} (null = available). */
export async function probePeers() {
  const r = await run(PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], () => {});
  const torch = r.code === 0 ? null : `${PYTHON} cannot import torch (${r.stderr.trim().split('\n').pop() ?? r.code}); apt-get install python3-torch`;
  const noGraph = torch == null ? null : 'no ONNX graph without torch (it is exported by scripts/peers/zoo_torch.py)';
  const ort = noGraph ?? (await unimportable('onnxruntime-node'));
  const ortWeb = noGraph ?? (await unimportable('onnxruntime-web'));
  return { torch, ort, ortWeb, torchVersion: torch == null ? r.stdout.trim() : null };
}

/**
 * zoo_torch.py: --weights/--input/--logits-out for the parity check, --onnx to export, --batches to time.
 * @param {Record<string, string | number | boolean | undefined>} options @param {(line: string) => void} progress
 */
export async function runTorch(options, progress) {
  const args = [TORCH_SCRIPT];
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined || v === false) continue;
    args.push(`--${k}`);
    if (v !== true) args.push(String(v));
  }
  return parseResult('zoo_torch.py', await run(PYTHON, args, progress));
}

/**
 * A Node script in a fresh process with `--key=value` options; its result is the JSON object on its last stdout line.
 * @param {string} script @param {Record<string, string | number | boolean | undefined>} options
 * @param {(line: string) => void} progress
 */
export async function runNode(script, options, progress) {
  const args = [script];
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined || v === false) continue;
    args.push(v === true ? `--${k}` : `--${k}=${v}`);
  }
  return parseResult(script.split('/').pop() ?? script, await run(process.execPath, args, progress));
}

/** ort_peer.mjs in a fresh Node process. */
export const runOrt = (/** @type {Record<string, string | number | boolean | undefined>} */ options, /** @type {(line: string) => void} */ progress) =>
  runNode(ORT_SCRIPT, options, progress);

/**
 * ort_peer.mjs --serve: a session kept open in its own process, answering one timed run per request.
 * @param {Record<string, string | number>} options
 * @returns {Promise<{run: (batch: number) => Promise<number>, close: () => void}>}
 */
export async function startOrtServer(options) {
  const args = [ORT_SCRIPT, '--serve', ...Object.entries(options).map(([k, v]) => `--${k}=${v}`)];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: /** @type {import('node:stream').Readable} */ (child.stdout) })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error('ort_peer --serve exited early');
    return JSON.parse(value);
  };
  await next(); // {"ready": true} once the session is built
  return {
    run: async (batch) => {
      child.stdin.write(`${batch}\n`);
      return (await next()).ms;
    },
    close: () => child.stdin.end(),
  };
}
