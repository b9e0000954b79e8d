// SPDX-License-Identifier: MIT
// A classify-only user in plain Node ESM (only @natzoo/core, @natzoo/models and tfjs installed): load a
// converted model by URL and classify raw RGB pixels. Usage: node classify_node.mjs <model-url> <rgb-file> <w> <h>
import { readFileSync } from 'node:fs';
import { setBestBackend } from '@natzoo/core';
import { loadClassifier } from '@natzoo/models';

const [url, rgbFile, width, height] = process.argv.slice(2);
const backend = await setBestBackend();
const classifier = await loadClassifier(url);
const pixels = { data: new Uint8Array(readFileSync(rgbFile)), width: Number(width), height: Number(height) };
const top = await classifier.classify(pixels, { topk: 3 });
classifier.dispose();
console.log(JSON.stringify({ backend, top }));
