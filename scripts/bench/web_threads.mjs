// SPDX-License-Identifier: MIT
// bench_web.mjs's threads section: the page's wasm throughput (img/s through window.natzoo.logits: tensor in,
// forward pass, logits read back) on tfjs-wasm's threaded build with 1 and with 2 XNNPACK threads (the page served
// cross-origin isolated, ?threads=N), beside the single-threaded build (the same files served without the
// COOP/COEP headers). The three pages stay open and take turns, round after round, so load on the machine
// hits them alike; each figure is the median over rounds.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createModel } from '@natzoo/models';
import { saveModelDir } from '@natzoo/train';
import { preview } from 'vite';

/* global document, window -- the evaluate callbacks run in the page */

/** The pages compared, in the order they take turns. */
export const THREAD_PAGES = [
  { id: 'threaded-1', title: 'threaded build, 1 thread', isolated: true, query: '&threads=1' },
  { id: 'threaded-2', title: 'threaded build, 2 threads', isolated: true, query: '&threads=2' },
  { id: 'single', title: 'single-threaded build', isolated: false, query: '' },
];

/**
 * Writes a random-weight cct_7_3x1_32 (CIFAR-sized, matmul-bound: where threads can pay) beside the bundled
 * models of the build in `outDir`; returns its page URL path.
 */
export async function addHeavierModel(outDir, preprocess) {
  const name = 'cct_7_3x1_32';
  const dir = join(outDir, 'models', `${name}.random`);
  await tf.setBackend('cpu');
  const model = createModel(name);
  await saveModelDir(model, dir, { ...preprocess, model: `${name} (random weights)` });
  model.dispose();
  return `models/${name}.random/model.json`;
}

/** Serves the built page in `outDir` without the config's cross-origin isolation headers. */
export function serveWithoutIsolation(root, outDir) {
  return preview({ root, configFile: false, appType: 'mpa', logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
}

/** Opens one page per THREAD_PAGES entry for `modelPath` and checks each runs the build it should. */
async function openPages(browser, urls, modelPath) {
  const pages = [];
  for (const spec of THREAD_PAGES) {
    const page = await browser.newPage();
    await page.goto(`${spec.isolated ? urls.isolated : urls.plain}?backend=wasm&warm=0${spec.query}${modelPath === null ? '' : `&model=${modelPath}`}`);
    await page.waitForFunction(() => ['model-ready', 'error'].includes(document.querySelector('[data-testid=status]')?.textContent ?? ''), null, { timeout: 180_000 });
    const wasm = await page.evaluate(() => window.natzoo?.wasm ?? null);
    const threads = spec.isolated ? Number(spec.query.split('=')[1]) : 1;
    if (wasm?.threads !== threads || wasm.kernelMemory !== (spec.isolated ? 'shared' : 'unshared')) {
      throw new Error(`${spec.title}: the page runs ${JSON.stringify(wasm)}: ${await page.getByTestId('error').textContent()}`);
    }
    pages.push({ spec, page });
  }
  return pages;
}

/** img/s of one page over about `seconds` of back-to-back batches (after two warm-up batches). */
function throughput(page, batch, inputSize, seconds) {
  return page.evaluate(
    async ({ batch, inputSize, seconds }) => {
      const shape = [batch, inputSize, inputSize, 3];
      const data = Array.from({ length: batch * inputSize * inputSize * 3 }, (_, i) => Math.sin(0.37 * i));
      for (let i = 0; i < 2; i++) await window.natzoo.logits(data, shape);
      const started = performance.now();
      let runs = 0;
      while (performance.now() - started < seconds * 1000 || runs < 2) {
        await window.natzoo.logits(data, shape);
        runs++;
      }
      return (1000 * batch * runs) / (performance.now() - started);
    },
    { batch, inputSize, seconds },
  );
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Rows { model, batch, [page id]: median img/s, rounds: {id: img/s[]} } for each model and batch. */
export async function benchThreads(browser, urls, models, { batches, rounds, seconds, progress }) {
  const rows = [];
  for (const { label, path } of models) {
    const pages = await openPages(browser, urls, path);
    try {
      for (const batch of batches) {
        const perPage = Object.fromEntries(THREAD_PAGES.map((p) => [p.id, []]));
        for (let round = 0; round < rounds; round++) {
          progress(`threads: ${label}, batch ${batch}, round ${round + 1}/${rounds}`);
          for (const { spec, page } of pages) perPage[spec.id].push(await throughput(page, batch, 32, seconds));
        }
        rows.push({ model: label, batch, ...Object.fromEntries(THREAD_PAGES.map((p) => [p.id, median(perPage[p.id])])), rounds: perPage });
      }
    } finally {
      await Promise.all(pages.map(({ page }) => page.close()));
    }
  }
  return rows;
}
