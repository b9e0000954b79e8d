// SPDX-License-Identifier: MIT
// The model a run trains: built from the registry with seeded initial weights, optionally started from a
// converted model directory (`--init`), whose weights are copied wherever name and shape match, so a head of a
// different size (`--num-classes`) keeps its fresh initialisation.
import type * as tf from '@tensorflow/tfjs';
import { withRandomSource } from '@natzoo/core';
import { createModel, isModelName, type ModelName } from '@natzoo/models';
import { loadModelDir, type ModelPreprocess } from '../convert/model_dir.js';
import { rngFor } from './rng.js';
import { ArgumentError } from '@natzoo/core';

/** Builds `name` with `overrides`; initial weights come from the run seed, so two runs with one seed start equal. */
export function buildSeededModel(name: string, overrides: Record<string, unknown>, seed: number): tf.LayersModel {
  if (!isModelName(name)) throw new ArgumentError('model', name, `not a registered model (see natzoo's model list)`);
  return withRandomSource(rngFor(seed, 'init'), () => createModel(name as ModelName, overrides as never));
}

export interface InitReport {
  copied: string[];
  /** Weights of the new model left at their initialisation (a resized head), with both shapes. */
  fresh: { name: string; shape: number[]; initShape: number[] | null }[];
  /** Weights of the init model with no place in the new one. */
  unused: string[];
}

/** Copies every weight of `from` whose name and shape match into `to`. */
export function copyMatchingWeights(from: tf.LayersModel, to: tf.LayersModel): InitReport {
  const source = new Map(from.weights.map((w) => [w.originalName, w]));
  const report: InitReport = { copied: [], fresh: [], unused: [] };
  const used = new Set<string>();
  for (const w of to.weights) {
    const s = source.get(w.originalName);
    if (s !== undefined && s.shape.join() === w.shape.join()) {
      w.write(s.read());
      report.copied.push(w.originalName);
      used.add(w.originalName);
    } else {
      report.fresh.push({ name: w.originalName, shape: [...w.shape] as number[], initShape: s === undefined ? null : ([...s.shape] as number[]) });
      if (s !== undefined) used.add(w.originalName);
    }
  }
  report.unused = [...source.keys()].filter((n) => !used.has(n));
  return report;
}

/** The architecture of a converted model directory (`cct_2_3x2_32.cifar10` -> `cct_2_3x2_32`). */
export function architectureOf(preprocess: ModelPreprocess): string {
  return preprocess.model.split('.')[0]!;
}

/** Loads `--init`; the caller builds the new model and copies with copyMatchingWeights. */
export async function loadInitModel(dir: string): Promise<{ model: tf.LayersModel; preprocess: ModelPreprocess }> {
  return loadModelDir(dir);
}
