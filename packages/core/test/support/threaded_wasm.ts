// SPDX-License-Identifier: MIT
// tfjs-wasm's threaded build (shared memory, pthread workers) in Node, where tfjs itself runs the single-threaded
// build: its pthread workers start from blob: URLs, which Node's worker_threads refuses, so the scripts are
// written to a temporary folder and started from there. It lets the tests run natzoo's SIMD kernels on the real
// threaded build. Not a public entry: in Node its XNNPACK pool comes up with one thread, so it is no faster
// (use the worker-thread pool of @natzoo/train for more cores).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError } from '../../src/argument_error.js';
import { startThreadedWasmBackend } from '../../src/tfjs_internals.js';

/**
 * Makes 'wasm' the threaded build and activates it; returns its thread count. Call it before anything starts the
 * wasm backend. `threads` defaults to tfjs's choice (the core count).
 */
export async function startThreadedWasm(options: { threads?: number } = {}): Promise<number> {
  const { threads } = options;
  if (threads !== undefined && !(Number.isSafeInteger(threads) && threads > 0)) throw new ArgumentError('threads', threads, 'expected a positive integer');
  const dir = mkdtempSync(join(tmpdir(), 'natzoo-wasm-threads-'));
  const writeScript = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  return startThreadedWasmBackend(writeScript, threads);
}
