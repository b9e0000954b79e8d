// SPDX-License-Identifier: MIT
// Types and input helpers shared by the custom layers.
import type { layers, Shape } from '@tensorflow/tfjs-layers';

/** tfjs-layers does not export `LayerArgs` from its index; take it from the Layer constructor. */
export type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;

/** What tfjs-layers passes as `call`'s second argument (`training`, `mask`, ...). */
export type Kwargs = Record<string, unknown>;

/** The one input of a single-input layer (tfjs-layers may pass it wrapped in an array). */
export function singleInput<T>(inputs: T | T[]): T {
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  if (x === undefined) throw new Error('layer called without an input');
  return x;
}

/** The one input shape of a single-input layer (tfjs-layers may pass it wrapped in an array). */
export function singleShape(inputShape: Shape | Shape[]): Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
}
