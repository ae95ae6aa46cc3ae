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

/**
 * Cholesky factor of a symmetric positive-definite n × n matrix stored row-major, in place: the lower triangle
 * becomes L with A = L Lᵀ (the upper triangle is not read or written). Returns false when a pivot is not positive,
 * i.e. A is not positive definite to rounding. Rows are walked contiguously, which is what makes it fast on typed
 * arrays.
 */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let pivot = a[rj + j] as number;
    for (let k = 0; k < j; k++) pivot -= (a[rj + k] as number) ** 2;
    if (!(pivot > 0)) return false;
    const ljj = Math.sqrt(pivot);
    a[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j] as number;
      for (let k = 0; k < j; k++) s -= (a[ri + k] as number) * (a[rj + k] as number);
      a[ri + j] = s / ljj;
    }
  }
  return true;
}

/** Solves L z = b for the lower-triangular L of {@link choleskyInPlace}; z overwrites b. */
export function solveLower(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (l[ri + k] as number) * (b[k] as number);
    b[i] = s / (l[ri + i] as number);
  }
}

/** Solves Lᵀ x = z for the lower-triangular L of {@link choleskyInPlace}; x overwrites z. */
export function solveLowerTransposed(l: Float64Array, n: number, z: Float64Array): void {
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const xi = (z[i] as number) / (l[ri + i] as number);
    z[i] = xi;
    for (let k = 0; k < i; k++) z[k] = (z[k] as number) - (l[ri + k] as number) * xi;
  }
}
