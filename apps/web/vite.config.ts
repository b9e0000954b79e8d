// SPDX-License-Identifier: MIT
// Static build of the in-browser classifier. Relative `base` so the output works from any folder of any static
// host; the workspace packages are bundled from their built output through their public entries, as a user
// gets them; the models under `checkpoints/` and the sample images ride along as plain files (bundled_assets.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { bundledAssets } from './bundled_assets.js';

const fromRoot = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/**
 * Cross-origin isolation: with these headers the page gets SharedArrayBuffer, and tfjs-wasm starts its threaded
 * build (src/wasm_threads.ts). COEP `credentialless` rather than `require-corp`: cross-origin requests that are not
 * CORS (the hub client's no-cors probe that tells a CORS refusal from a dead host) still get answers, without
 * cookies. Browsers without credentialless (Safari) are then not isolated and run the single-threaded build.
 */
const CROSS_ORIGIN_ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'credentialless' };

export default defineConfig({
  base: './',
  // A missing file is a 404, not index.html, so a wrong model URL fails clearly.
  appType: 'mpa',
  resolve: {
    // One tfjs engine for the app and the workspace packages, whichever node_modules they resolve from.
    dedupe: ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-cpu'],
  },
  plugins: [bundledAssets(fromRoot('checkpoints'))],
  build: { target: 'es2022', chunkSizeWarningLimit: 4096, reportCompressedSize: false },
  // The conversion worker (src/pretrained_worker.ts) imports the packages as modules.
  worker: { format: 'es' },
  preview: { host: '127.0.0.1', port: 4173, headers: CROSS_ORIGIN_ISOLATION },
  server: { host: '127.0.0.1', headers: CROSS_ORIGIN_ISOLATION },
});
