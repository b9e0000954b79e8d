// SPDX-License-Identifier: MIT
// Seedable random numbers for training. The generator is sfc32 (Chris Doty-Humphrey's Small Fast Counting
// generator, 128 bits of state: four uint32 words). Every consumer derives its own stream from the run seed and
// counters (`rngFor(seed, 'order', epoch)`, `rngFor(seed, 'sample', epoch, index)`, `rngFor(seed, 'step', step)`),
// so the whole random state of a run is `{seed, epoch, step}`: a resumed run re-derives exactly the streams the
// uninterrupted run would have used, whichever worker decodes which image and in which order.

/** The four sfc32 words; a generator resumes exactly from them. */
export type Sfc32State = [number, number, number, number];

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** The second Box-Muller normal, kept for the next `normal()` call. */
  private spare: number | null = null;

  constructor(state: Sfc32State) {
    [this.a, this.b, this.c, this.d] = state.map((w) => w >>> 0) as Sfc32State;
  }

  state(): Sfc32State {
    return [this.a, this.b, this.c, this.d];
  }

  /** Next uint32. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  float(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.float();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    if (!(Number.isSafeInteger(n) && n > 0)) throw new Error(`Rng.int: n must be a positive integer; got ${n}`);
    return Math.floor(this.float() * n);
  }

  /** Integer in [low, high] inclusive (Python's random.randint). */
  randint(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }

  bernoulli(p: number): boolean {
    return this.float() < p;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.float();
    const v = this.float();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Gamma(shape, 1) by Marsaglia and Tsang (shape < 1 through the boost u^(1/shape)). */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new Error(`Rng.gamma: shape must be > 0; got ${shape}`);
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(this.float() || Number.MIN_VALUE, 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.float();
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Beta(alpha, beta) from two gammas. */
  beta(alpha: number, beta: number): number {
    const x = this.gamma(alpha);
    const y = this.gamma(beta);
    return x / (x + y);
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
    return out;
  }

  choice<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** splitmix32-style finaliser: spreads one word over all bits. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

function hashKey(key: string | number): number {
  if (typeof key === 'number') {
    if (!Number.isSafeInteger(key) || key < 0) throw new Error(`rngFor: counter keys must be non-negative integers; got ${key}`);
    // Both halves of a counter up to 2^53 take part.
    return mix32((key >>> 0) ^ mix32(Math.floor(key / 4294967296) + 0x9e3779b9));
  }
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/** A generator for the stream named by `keys` under `seed`; the same arguments always give the same stream. */
export function rngFor(seed: number, ...keys: (string | number)[]): Rng {
  let h = hashKey(seed);
  const words: number[] = [];
  for (const key of keys) h = mix32(h ^ hashKey(key)) ^ Math.imul(h, 0x9e3779b1);
  for (let i = 0; i < 4; i++) {
    h = mix32((h + 0x9e3779b9 * (i + 1)) >>> 0);
    words.push(h);
  }
  const rng = new Rng(words as Sfc32State);
  // Discard the first outputs: sfc32 wants a few rounds to decorrelate close seeds.
  for (let i = 0; i < 12; i++) rng.nextUint32();
  return rng;
}
