// SPDX-License-Identifier: MIT
// At the end of a run: the trained model as a tfjs model directory (`<out>/model`, loadable by natzoo classify /
// eval / tf.loadLayersModel), the EMA weights beside it when EMA was on, and with `exportPt` a PyTorch
// state_dict with upstream names and layouts (`<out>/model.safetensors`) for the upstream training code.
import { join } from 'node:path';
import { exportStateDict } from '@natzoo/models';
import { writeSafetensors } from '../checkpoint/safetensors.js';
import { saveModelDir } from '../convert/model_dir.js';
import type { ModelEma } from '../optim/ema.js';
import type { RunSetup, TrainOptions } from './run_setup.js';

export async function exportTrained(options: TrainOptions, setup: RunSetup, ema: ModelEma | null, log: (line: string) => void): Promise<void> {
  const { model, preprocess } = setup;
  await saveModelDir(model, join(options.out, 'model'), preprocess, { overwrite: true });
  log(`wrote ${join(options.out, 'model')} (tfjs model directory)`);
  if (ema !== null) {
    await ema.withEmaWeights(() => saveModelDir(model, join(options.out, 'model_ema'), preprocess, { overwrite: true }));
    log(`wrote ${join(options.out, 'model_ema')} (EMA weights)`);
  }
  if (options.exportPt) {
    const tensors = exportStateDict(model);
    await writeSafetensors(join(options.out, 'model.safetensors'), tensors, { format: 'pt', model: preprocess.model });
    log(`wrote ${join(options.out, 'model.safetensors')}: ${tensors.size} tensors with upstream names`);
  }
}
