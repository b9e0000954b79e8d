// SPDX-License-Identifier: MIT
// The implementations every NA test runs on: the cpu and wasm kernels, and the composite on the cpu backend.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { setNAImplementation } from '@natzoo/core';

export interface NATarget {
  name: string;
  backend: 'cpu' | 'wasm';
  composite: boolean;
}

export const naTargets: NATarget[] = [
  { name: 'cpu', backend: 'cpu', composite: false },
  { name: 'wasm', backend: 'wasm', composite: false },
  { name: 'composite', backend: 'cpu', composite: true },
];

export async function useTarget(target: NATarget): Promise<void> {
  if (!(await tf.setBackend(target.backend))) throw new Error(`backend ${target.backend} failed to initialise`);
  setNAImplementation(target.composite ? 'composite' : 'auto');
}
