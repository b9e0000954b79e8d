// SPDX-License-Identifier: MIT
// A functional LayersModel whose predict() makes one pass through its layers without tfjs-layers' executor
// (runLayers) when the input is one batch of the declared shape; anything else goes to tfjs' predict, whose checks
// and errors stay as they are. Serialised as a plain 'Model': a saved one loads as a LayersModel.
import { LayersModel } from '@tensorflow/tfjs-layers';
import type { Tensor } from '@tensorflow/tfjs-core';
import { runLayers, runsAsOnePass } from './run_layers.js';

type PredictArgs = Parameters<LayersModel['predict']>[1];

export class InferenceModel extends LayersModel {
  override predict(x: Tensor | Tensor[], args?: PredictArgs): Tensor | Tensor[] {
    if (!Array.isArray(x) && runsAsOnePass(this, x, args?.batchSize)) return runLayers(this, x);
    return super.predict(x, args);
  }
}
