// SPDX-License-Identifier: MIT
// timm's CosineLRScheduler (timm/scheduler/cosine_lr.py, one cycle, warmup_prefix=False) evaluated per step at
// the fractional epoch t = epoch + step_in_epoch / steps_per_epoch: a linear warmup from warmupLr to the base lr
// over warmupEpochs, cosine decay from the base lr to minLr over `epochs`, then minLr for the cooldown epochs
// that timm's train.py appends (the run lasts epochs + cooldownEpochs).

export interface CosineScheduleOptions {
  baseLr: number;
  /** Length of the cosine (timm `t_initial`, the config's `epochs`). */
  epochs: number;
  warmupEpochs: number;
  /** timm `warmup_lr_init`. */
  warmupLr: number;
  minLr: number;
  cooldownEpochs: number;
}

export class CosineSchedule {
  constructor(readonly options: CosineScheduleOptions) {
    for (const [key, value] of Object.entries(options)) {
      if (!(typeof value === 'number' && Number.isFinite(value) && value >= 0)) throw new Error(`CosineSchedule: ${key} must be a finite number >= 0; got ${String(value)}`);
    }
    if (!(options.epochs > 0)) throw new Error(`CosineSchedule: epochs must be > 0; got ${options.epochs}`);
  }

  /** Total epochs of the run: the cosine plus the cooldown. */
  get totalEpochs(): number {
    return this.options.epochs + this.options.cooldownEpochs;
  }

  /** The learning rate at fractional epoch `t`. */
  lrAt(t: number): number {
    const { baseLr, epochs, warmupEpochs, warmupLr, minLr } = this.options;
    if (t < warmupEpochs) return warmupLr + (t * (baseLr - warmupLr)) / warmupEpochs;
    if (t >= epochs) return minLr;
    return minLr + 0.5 * (baseLr - minLr) * (1 + Math.cos((Math.PI * t) / epochs));
  }

  /** The learning rate of step `stepInEpoch` (0-based) of `epoch` (0-based). */
  lrForStep(epoch: number, stepInEpoch: number, stepsPerEpoch: number): number {
    return this.lrAt(epoch + stepInEpoch / stepsPerEpoch);
  }
}
