// SPDX-License-Identifier: MIT
// Fréchet Inception Distance from feature statistics: FD = |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)).
// The features come from an Inception-v3 pool3 extractor (2048-d) that the user converts and loads (we cannot
// ship its weights); anything that maps images to feature rows works the same. Tr((S1 S2)^(1/2)) is computed as
// Tr((A S2 A)^(1/2)) with A = S1^(1/2), a symmetric PSD matrix, so two symmetric eigendecompositions suffice,
// in float64 (ml-matrix).
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

export interface FeatureStatistics {
  /** Number of feature rows. */
  count: number;
  dim: number;
  mean: Float64Array;
  /** Covariance `[dim * dim]`, row-major, normalised by `count - 1` (numpy `cov(rowvar=False)`). */
  cov: Float64Array;
}

/** Running mean and covariance of feature rows, accumulated batch by batch in float64. */
export class FeatureAccumulator {
  private n = 0;
  private readonly sum: Float64Array;
  private readonly outer: Float64Array;

  constructor(readonly dim: number) {
    if (!(Number.isInteger(dim) && dim > 0)) throw new Error(`feature dim ${dim}: expected a positive integer`);
    this.sum = new Float64Array(dim);
    this.outer = new Float64Array(dim * dim);
  }

  /** Adds `rows` feature rows from `features` (`[rows, dim]`, row-major). */
  add(features: ArrayLike<number>, rows = features.length / this.dim): void {
    const d = this.dim;
    if (!Number.isInteger(rows) || rows * d !== features.length) throw new Error(`features: ${features.length} values are not rows of ${d}`);
    for (let r = 0; r < rows; r++) {
      const base = r * d;
      for (let i = 0; i < d; i++) {
        const xi = features[base + i]!;
        this.sum[i]! += xi;
        const row = i * d;
        for (let j = i; j < d; j++) this.outer[row + j]! += xi * features[base + j]!;
      }
    }
    this.n += rows;
  }

  statistics(): FeatureStatistics {
    const { n, dim: d } = this;
    if (n < 2) throw new Error(`feature statistics need at least 2 rows; got ${n}`);
    const mean = this.sum.map((s) => s / n);
    const cov = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        const c = (this.outer[i * d + j]! - n * mean[i]! * mean[j]!) / (n - 1);
        cov[i * d + j] = c;
        cov[j * d + i] = c;
      }
    }
    return { count: n, dim: d, mean, cov };
  }
}

/** Mean and covariance of `[rows, dim]` features. */
export function featureStatistics(features: ArrayLike<number>, dim: number): FeatureStatistics {
  const acc = new FeatureAccumulator(dim);
  acc.add(features);
  return acc.statistics();
}

function symmetric(data: Float64Array, d: number): Matrix {
  const m = new Matrix(d, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) m.set(i, j, (data[i * d + j]! + data[j * d + i]!) / 2);
  return m;
}

/** Square root of a symmetric PSD matrix; tiny negative eigenvalues (rounding) are clamped to 0. */
function sqrtPsd(m: Matrix): Matrix {
  const eig = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const v = eig.eigenvectorMatrix;
  const roots = eig.realEigenvalues.map((l) => Math.sqrt(Math.max(l, 0)));
  return v.mmul(Matrix.diag(roots)).mmul(v.transpose());
}

/** The Fréchet distance between two Gaussians given by their means and covariances. */
export function frechetDistance(a: Pick<FeatureStatistics, 'dim' | 'mean' | 'cov'>, b: Pick<FeatureStatistics, 'dim' | 'mean' | 'cov'>): number {
  const d = a.dim;
  if (b.dim !== d || a.mean.length !== d || b.mean.length !== d || a.cov.length !== d * d || b.cov.length !== d * d) {
    throw new Error(`frechetDistance: statistics of dimension ${a.dim} and ${b.dim} (means ${a.mean.length}, ${b.mean.length}) do not match`);
  }
  let meanTerm = 0;
  for (let i = 0; i < d; i++) meanTerm += (a.mean[i]! - b.mean[i]!) ** 2;
  const s1 = symmetric(Float64Array.from(a.cov), d);
  const s2 = symmetric(Float64Array.from(b.cov), d);
  const root1 = sqrtPsd(s1);
  const middle = root1.mmul(s2).mmul(root1);
  const sym = middle.add(middle.transpose()).div(2);
  const traceRoot = new EigenvalueDecomposition(sym, { assumeSymmetric: true }).realEigenvalues.reduce((t, l) => t + Math.sqrt(Math.max(l, 0)), 0);
  return meanTerm + s1.trace() + s2.trace() - 2 * traceRoot;
}
