// SPDX-License-Identifier: MIT
// `a + b` for a residual connection. tfjs-layers' Add layer clones its first input before adding (an Identity
// kernel: a full copy of the activation per residual); the add alone makes the same new tensor.
import { add, serialization } from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import type { Shape } from '@tensorflow/tfjs-layers';
import { fail } from '../errors.js';

/** `[x, branch]` -> `x + branch`, both of one shape. */
export class ResidualAdd extends layers.Layer {
  static className = 'ResidualAdd';

  override call(inputs: Tensor | Tensor[]): Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) fail(`ResidualAdd '${this.name}'`, 'takes two inputs [x, branch]');
    return add(inputs[0]!, inputs[1]!);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const shapes = inputShape as Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length !== 2) fail(`ResidualAdd '${this.name}'`, 'takes two inputs [x, branch]');
    const [a, b] = shapes as [Shape, Shape];
    if (a.length !== b.length || a.some((d, i) => d != null && b[i] != null && d !== b[i])) {
      fail(`ResidualAdd '${this.name}'`, `inputs must have one shape; got [${a.join(', ')}] and [${b.join(', ')}]`);
    }
    return a.map((d, i) => d ?? b[i] ?? null);
  }
}

serialization.registerClass(ResidualAdd);
