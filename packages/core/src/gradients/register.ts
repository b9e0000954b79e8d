// SPDX-License-Identifier: MIT
import { getGradient, registerGradient } from '@tensorflow/tfjs-core';
import { naAVGradConfig } from './na_av_grad.js';
import { naFusedGradConfig } from './na_fused_grad.js';
import { naQKGradConfig } from './na_qk_grad.js';
import { selfAttentionGradConfig } from './self_attention_grad.js';

export function registerNAGradients(): void {
  for (const config of [naQKGradConfig, naAVGradConfig, naFusedGradConfig, selfAttentionGradConfig]) {
    if (getGradient(config.kernelName) == null) registerGradient(config);
  }
}
