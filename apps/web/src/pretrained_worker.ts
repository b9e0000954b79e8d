// SPDX-License-Identifier: MIT
// A Web Worker that downloads and converts a pretrained model by name (a hub id or a registry tag) with
// @natzoo/train/convert, so the page stays responsive while an 80-800 MB checkpoint streams in and is ported.
// It posts byte progress and stages, then the converted model's artifacts (weights transferred, not copied).
import * as tf from '@tensorflow/tfjs';
import { convertPretrained, disposeConverted, HubError } from '@natzoo/train/convert';
import type { ByteProgress, PretrainedStage } from '@natzoo/train/convert';
import type { ModelPreprocess } from '@natzoo/models';

export interface PretrainedRequest {
  ref: string;
  endpoint?: string;
  revision?: string;
}

export type PretrainedReply =
  | { type: 'stage'; stage: PretrainedStage }
  | ({ type: 'progress' } & ByteProgress)
  | { type: 'done'; modelTopology: object; weightSpecs: tf.io.WeightsManifestEntry[]; weightData: ArrayBuffer; preprocess: ModelPreprocess }
  | { type: 'error'; message: string; problem: string | null };

const post = (reply: PretrainedReply, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(reply, transfer);

/** The model's topology and weights, as tf.io.fromMemory takes them back. */
async function artifactsOf(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return saved!;
}

self.onmessage = async (event: MessageEvent<PretrainedRequest>) => {
  const { ref, endpoint, revision } = event.data;
  try {
    // Building and filling the model needs no GPU; the page's own backend gets the weights afterwards.
    await tf.setBackend('cpu');
    const converted = await convertPretrained(ref, {
      ...(endpoint ? { endpoint } : {}),
      ...(revision ? { revision } : {}),
      onStage: (stage) => post({ type: 'stage', stage }),
      onProgress: (progress) => post({ type: 'progress', ...progress }),
    });
    try {
      const artifacts = await artifactsOf(converted.model);
      const weightData = Array.isArray(artifacts.weightData) ? await new Blob(artifacts.weightData).arrayBuffer() : (artifacts.weightData as ArrayBuffer);
      post({ type: 'done', modelTopology: artifacts.modelTopology as object, weightSpecs: artifacts.weightSpecs ?? [], weightData, preprocess: converted.preprocess }, [weightData]);
    } finally {
      disposeConverted(converted);
    }
  } catch (error) {
    post({ type: 'error', message: (error as Error).message ?? String(error), problem: error instanceof HubError ? error.problem : null });
  }
};
