/** Small dense linear algebra on plain arrays, so that matrices serialize as JSON as they are. */
export type Matrix = number[][];

export const identity = (n: number): Matrix => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));

export const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, v, i) => s + v * (b[i] as number), 0);

export const norm = (a: readonly number[]): number => Math.sqrt(dot(a, a));

export const matVec = (m: Matrix, v: readonly number[]): number[] => m.map((row) => dot(row, v));

/** Mᵀv. */
export const matTVec = (m: Matrix, v: readonly number[]): number[] => v.map((_, j) => m.reduce((s, row, i) => s + (row[j] as number) * (v[i] as number), 0));

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: exact to rounding for the small
 * matrices CMA-ES uses (tens of dims), and deterministic, unlike an iterative solver with a random start.
 * Returns eigenvalues and the eigenvectors as the columns of `vectors`.
 */
export function symmetricEigen(input: Matrix): { values: number[]; vectors: Matrix } {
  const n = input.length;
  const a = input.map((row) => [...row]);
  const v = identity(n);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < n; p++) {
      diag += (a[p]![p] as number) ** 2;
      for (let q = p + 1; q < n; q++) off += (a[p]![q] as number) ** 2;
    }
    if (off <= 1e-30 * diag) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p]![q] as number;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = ((a[q]![q] as number) - (a[p]![p] as number)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p] as number;
          const akq = a[k]![q] as number;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k] as number;
          const aqk = a[q]![k] as number;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p] as number;
          const vkq = v[k]![q] as number;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: a.map((row, i) => row[i] as number), vectors: v };
}
