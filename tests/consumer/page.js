// SPDX-License-Identifier: MIT
// A page a user bundles with Vite: convert a PyTorch checkpoint from its bytes with @natzoo/train/convert,
// keep it in IndexedDB, classify an image with @natzoo/models' loadClassifier. Reports on window.result.
import * as tf from '@tensorflow/tfjs';
import { loadClassifier } from '@natzoo/models';
import { bufferSource, convertModel, disposeConverted } from '@natzoo/train/convert';

async function run() {
  await tf.setBackend('cpu');
  const bytes = await (await fetch('fixture/checkpoint.pth.tar')).arrayBuffer();
  const converted = await convertModel(bufferSource(bytes, 'checkpoint.pth.tar'), { model: 'cct_2_3x2_32.cifar10' });
  if (converted.kind !== 'classifier') throw new Error(`expected a classifier, got ${converted.kind}`);
  await converted.model.save('indexeddb://natzoo-consumer');
  const { preprocess, report } = converted;
  disposeConverted(converted);
  const classifier = await loadClassifier('indexeddb://natzoo-consumer', { preprocess });
  const image = await createImageBitmap(await (await fetch('fixture/image.png')).blob());
  const top = await classifier.classify(image, { topk: 3 });
  classifier.dispose();
  return { backend: tf.getBackend(), loaded: report.loaded.length, missing: report.missing.length, top };
}

run().then(
  (result) => Object.assign(window, { result }),
  (error) => Object.assign(window, { result: { error: String(error?.stack ?? error) } }),
);
