// SPDX-License-Identifier: MIT
// Writes the first N images of a CIFAR-10 binary batch as PNGs named <index>_<label>.png (the shipped samples).
//   node scripts/extract_cifar_samples.mjs <test_batch.bin> <out dir> [count=8]
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

const LABELS = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const [batch, outDir, count = '8'] = process.argv.slice(2);
if (!batch || !outDir) {
  console.error('usage: node scripts/extract_cifar_samples.mjs <test_batch.bin> <out dir> [count]');
  process.exit(2);
}
const bytes = await readFile(batch);
const RECORD = 1 + 3072; // label byte, then 32x32 planes of R, G, B
await mkdir(outDir, { recursive: true });
for (let n = 0; n < Number(count); n++) {
  const record = bytes.subarray(n * RECORD, (n + 1) * RECORD);
  const hwc = Buffer.alloc(3072);
  for (let i = 0; i < 1024; i++) for (let c = 0; c < 3; c++) hwc[i * 3 + c] = record[1 + c * 1024 + i];
  const file = join(outDir, `${n}_${LABELS[record[0]]}.png`);
  await sharp(hwc, { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(file);
  console.log(file);
}
