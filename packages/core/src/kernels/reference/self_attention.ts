// SPDX-License-Identifier: MIT
// Full self-attention over packed qkv, the reference loops (cpu backend, and the wasm backend without SIMD):
// per (batch, head, query) an exact two-pass softmax over one logit row, so nothing `[heads, N, N]` is stored.

/** The sizes of a self-attention call, read from qkv `[batch, tokens, 3 * heads * headDim]`. */
export interface SelfAttentionProblem {
  batch: number;
  tokens: number;
  heads: number;
  headDim: number;
}

export function selfAttentionProblem(qkvShape: readonly number[], heads: number): SelfAttentionProblem {
  const [batch, tokens, width] = qkvShape as [number, number, number];
  return { batch, tokens, heads, headDim: width / (3 * heads) };
}

/** `out` `[batch, tokens, heads * headDim]` = softmax(q k^T * scale + bias) v per head; `bias` `[heads, N, N]`. */
export function selfAttention(p: SelfAttentionProblem, qkv: Float32Array, bias: Float32Array | null, scale: number, out: Float32Array): void {
  const { batch, tokens: N, heads, headDim: D } = p;
  const C = heads * D;
  const stride = 3 * C;
  const weights = new Float64Array(N);
  const acc = new Float64Array(D);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      for (let q = 0; q < N; q++) {
        const qAt = (b * N + q) * stride + h * D;
        let top = -Infinity;
        for (let j = 0; j < N; j++) {
          const kAt = (b * N + j) * stride + C + h * D;
          let dot = 0;
          for (let d = 0; d < D; d++) dot += qkv[qAt + d]! * qkv[kAt + d]!;
          const logit = scale * dot + (bias === null ? 0 : bias[(h * N + q) * N + j]!);
          weights[j] = logit;
          if (logit > top) top = logit;
        }
        let total = 0;
        acc.fill(0);
        for (let j = 0; j < N; j++) {
          const w = Math.exp(weights[j]! - top);
          total += w;
          const vAt = (b * N + j) * stride + 2 * C + h * D;
          for (let d = 0; d < D; d++) acc[d] = acc[d]! + w * qkv[vAt + d]!;
        }
        const outAt = (b * N + q) * C + h * D;
        for (let d = 0; d < D; d++) out[outAt + d] = acc[d]! / total;
      }
    }
  }
}
