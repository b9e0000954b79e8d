// SPDX-License-Identifier: MIT
// Worker-thread side of the decode pool: prepares samples (decode with sharp, augment, normalise) and posts
// the float32 result back (its buffer transferred, not copied), or the error message.
import { parentPort } from 'node:worker_threads';
import type { SampleSource } from './dataset.js';
import { prepareSample, type SampleKey, type TransformConfig } from './sample_transform.js';

export interface DecodeRequest {
  id: number;
  source: SampleSource;
  config: TransformConfig;
  key: SampleKey;
}

export type DecodeReply = { id: number; ok: true; data: Float32Array } | { id: number; ok: false; error: string };

const port = parentPort;
if (port === null) throw new Error('decode_worker.js must run in a worker thread');
port.on('message', (request: DecodeRequest) => {
  prepareSample(request.source, request.config, request.key).then(
    (data) => port.postMessage({ id: request.id, ok: true, data } satisfies DecodeReply, [data.buffer as ArrayBuffer]),
    (error: unknown) => port.postMessage({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies DecodeReply),
  );
});
