// SPDX-License-Identifier: MIT
// Finds which tfjs backends can run here. Packages for the optional ones are imported only when asked for;
// a backend that is missing or does not initialise is skipped with the reason, never an error.
import * as tf from '@tensorflow/tfjs';

export const ALL_BACKENDS = ['wasm', 'cpu', 'webgpu', 'webgl', 'tensorflow'];

/** Packages that register each backend (tfjs itself registers cpu, and webgl only in a browser). */
const PACKAGES = {
  wasm: ['@tensorflow/tfjs-backend-wasm'],
  cpu: [],
  webgpu: ['@tensorflow/tfjs-backend-webgpu'],
  webgl: ['@tensorflow/tfjs-backend-webgl'],
  tensorflow: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'],
};

/** @param {string} name @returns {Promise<string | null>} why the backend is not registered, or null */
async function register(name) {
  if (tf.findBackendFactory(name) != null) return null;
  const missing = [];
  for (const pkg of PACKAGES[/** @type {keyof PACKAGES} */ (name)] ?? []) {
    try {
      // A variable specifier: these packages are optional and usually absent.
      await import(/* @vite-ignore */ pkg);
      if (tf.findBackendFactory(name) != null) return null;
    } catch (err) {
      const e = /** @type {any} */ (err);
      missing.push(e?.code === 'ERR_MODULE_NOT_FOUND' ? `${pkg} not installed` : `${pkg}: ${String(e?.message ?? e).split('\n')[0]}`);
    }
  }
  if (name === 'webgl') missing.push('tfjs registers webgl only in a browser (no WebGL context in Node)');
  if (name === 'webgpu') missing.push('no navigator.gpu in Node');
  return `not registered (${missing.join('; ') || 'unknown backend'})`;
}

/**
 * Initialises each requested backend once; tfjs reports a failed initialisation through console.warn, which
 * is captured here to give the reason.
 * @param {string[]} requested
 * @returns {Promise<{name: string, ok: boolean, reason: string}[]>}
 */
export async function probeBackends(requested) {
  const report = [];
  for (const name of ALL_BACKENDS.concat(requested.filter((n) => !ALL_BACKENDS.includes(n)))) {
    if (!requested.includes(name)) {
      report.push({ name, ok: false, reason: 'not requested (--backends)' });
      continue;
    }
    const unregistered = await register(name);
    if (unregistered != null) {
      report.push({ name, ok: false, reason: unregistered });
      continue;
    }
    const warnings = [];
    const warn = console.warn;
    console.warn = (...args) => warnings.push(args.map(String).join(' '));
    let ok = false;
    try {
      ok = await tf.setBackend(name);
    } catch (err) {
      warnings.push(String(/** @type {any} */ (err)?.message ?? err));
    } finally {
      console.warn = warn;
    }
    const why = warnings.filter((w) => !/^Initialization of backend/.test(w)).join(' ').split('\n')[0];
    report.push({ name, ok, reason: ok ? 'initialised' : `failed to initialise${why ? `: ${why.slice(0, 160)}` : ''}` });
  }
  return report;
}
