// SPDX-License-Identifier: MIT
// The pieces of Compact-Transformers' `TransformerClassifier` that standard tfjs-layers cannot express:
// the positional embedding add (learnable or fixed sine), ViT-Lite's class token, sequence pooling and the
// class-token read-out. A weight named `embedding` is the bare nn.Parameter named by its layer
// (`classifier.positional_emb`, `classifier.class_emb`).
import { add, concat, matMul, reshape, serialization, slice, softmax, tensor, tidy, tile } from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { initializers, layers } from '@tensorflow/tfjs-layers';
import { linear } from '@natzoo/core';
import { linearInit, seededTruncatedNormal } from '@natzoo/core/advanced';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import { fail } from '../errors.js';
import { singleInput, singleShape } from '../layers/layer_args.js';
import type { LayerArgs } from '../layers/layer_args.js';
import { sineTable } from './sine_embedding.js';

/** Shape of a `[B, N, C]` input with N and C known. */
function tokenShape(where: string, inputShape: Shape | Shape[]): [number, number] {
  const shape = singleShape(inputShape);
  const [, tokens, channels] = shape;
  if (shape.length !== 3 || tokens == null || channels == null) {
    fail(where, `input must be [B, N, C] with N and C known; got [${shape.join(', ')}]`);
  }
  return [tokens, channels];
}

function weightOf(where: string, weight: LayerVariable | null): LayerVariable {
  if (weight === null) fail(where, 'called before build()');
  return weight;
}

// === Positional embedding ===

export type PositionalEmbeddingKind = 'learnable' | 'sine';

export interface PositionalEmbeddingArgs extends LayerArgs {
  /** `learnable`: trained table, init trunc-normal(std 0.2); `sine`: the fixed (non-trainable) sine table. */
  kind: PositionalEmbeddingKind;
}

/** `x + embedding` with `embedding` `[1, N, C]`; N is fixed by the input shape at build time. */
export class PositionalEmbedding extends layers.Layer {
  static className = 'PositionalEmbedding';
  readonly kind: PositionalEmbeddingKind;
  private embedding: LayerVariable | null = null;

  constructor(args: PositionalEmbeddingArgs) {
    super(args);
    if (args.kind !== 'learnable' && args.kind !== 'sine') {
      fail(`PositionalEmbedding '${this.name}'`, `kind must be 'learnable' or 'sine'; got ${JSON.stringify(args.kind)}`);
    }
    this.kind = args.kind;
  }

  override build(inputShape: Shape | Shape[]): void {
    const [tokens, channels] = tokenShape(`PositionalEmbedding '${this.name}'`, inputShape);
    const shape = [1, tokens, channels];
    if (this.kind === 'learnable') {
      this.embedding = this.addWeight('embedding', shape, 'float32', seededTruncatedNormal(0.2));
    } else {
      // Non-trainable but still a weight, as upstream keeps it a Parameter: it is saved and counted.
      this.embedding = this.addWeight('embedding', shape, 'float32', initializers.zeros(), undefined, false);
      const table = tensor(sineTable(tokens, channels), shape);
      this.embedding.write(table);
      table.dispose();
    }
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => add(singleInput(inputs), weightOf(`PositionalEmbedding '${this.name}'`, this.embedding).read()));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override getConfig(): serialization.ConfigDict {
    return { kind: this.kind, ...super.getConfig() };
  }
}

// === Class token (ViT-Lite) ===

/** Prepends the learned `embedding` `[1, 1, C]` to the tokens: `[B, N, C]` -> `[B, N + 1, C]`. */
export class ClassToken extends layers.Layer {
  static className = 'ClassToken';
  private embedding: LayerVariable | null = null;

  override build(inputShape: Shape | Shape[]): void {
    const [, channels] = tokenShape(`ClassToken '${this.name}'`, inputShape);
    // Upstream initialises the class token to zeros.
    this.embedding = this.addWeight('embedding', [1, 1, channels], 'float32', initializers.zeros());
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      const x = singleInput(inputs);
      const token = weightOf(`ClassToken '${this.name}'`, this.embedding).read();
      return concat([tile(token, [x.shape[0]!, 1, 1]), x], 1);
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const [batch, tokens, channels] = singleShape(inputShape);
    return [batch ?? null, tokens == null ? null : tokens + 1, channels ?? null];
  }
}

// === Sequence pooling (CCT, CVT) ===

/**
 * `softmax_N(x W + b)^T x`: an attention-weighted mean of the tokens, `[B, N, C]` -> `[B, C]`. Weights
 * `kernel` `[C, 1]` and `bias` `[1]` (PyTorch `attention_pool = Linear(C, 1)`).
 */
export class SequencePooling extends layers.Layer {
  static className = 'SequencePooling';
  private kernel: LayerVariable | null = null;
  private bias: LayerVariable | null = null;

  override build(inputShape: Shape | Shape[]): void {
    const [, channels] = tokenShape(`SequencePooling '${this.name}'`, inputShape);
    this.kernel = this.addWeight('kernel', [channels, 1], 'float32', linearInit());
    this.bias = this.addWeight('bias', [1], 'float32', initializers.zeros());
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      const where = `SequencePooling '${this.name}'`;
      const x = singleInput(inputs);
      const [batch, tokens, channels] = x.shape as [number, number, number];
      // The bias rides in the matMul, and reshapes stand in for squeeze: fewer kernels on a tiny tensor.
      const logits = linear(x, weightOf(where, this.kernel).read() as Tensor2D, weightOf(where, this.bias).read());
      const weights = softmax(reshape(logits, [batch, tokens]));
      // [B, 1, N] @ [B, N, C] -> [B, C].
      return reshape(matMul(reshape(weights, [batch, 1, tokens]), x), [batch, channels]);
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const [batch, , channels] = singleShape(inputShape);
    return [batch ?? null, channels ?? null];
  }
}

// === Class-token read-out (ViT-Lite) ===

/** Takes token 0: `[B, N, C]` -> `[B, C]`. */
export class ClassTokenReadout extends layers.Layer {
  static className = 'ClassTokenReadout';

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      const x = singleInput(inputs);
      return reshape(slice(x, [0, 0, 0], [-1, 1, -1]), [x.shape[0]!, x.shape[2]!]);
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const [batch, , channels] = singleShape(inputShape);
    return [batch ?? null, channels ?? null];
  }
}

serialization.registerClass(PositionalEmbedding);
serialization.registerClass(ClassToken);
serialization.registerClass(SequencePooling);
serialization.registerClass(ClassTokenReadout);
