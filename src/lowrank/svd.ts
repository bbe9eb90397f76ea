// Exact thin SVD of a small dense matrix on the CPU. TF.js has no SVD op (docs/method.md, "TF.js notes"), and
// ml-matrix's SVD takes ~40 s on a 4608x512 ResNet-18 kernel, so this is a hand-written one-sided
// (Hestenes) Jacobi SVD on Float64 columns, preceded by a Householder QR when the matrix is tall.

/** A row-major dense matrix of float64 values. */
export interface DenseMatrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** Thin SVD A = U diag(s) V^T with U [rows, k], V [cols, k], k = min(rows, cols), s descending. */
export interface ThinSvd {
  U: DenseMatrix;
  s: Float64Array;
  V: DenseMatrix;
}

const ROTATION_TOLERANCE = 1e-14;
const MAX_SWEEPS = 60;

export function denseMatrix(rows: number, cols: number, values: ArrayLike<number>): DenseMatrix {
  if (values.length !== rows * cols) {
    throw new Error(
      `denseMatrix: expected ${rows * cols} values for ${rows}x${cols}, got ${values.length}`,
    );
  }
  return { rows, cols, data: Float64Array.from(values) };
}

export function transpose(a: DenseMatrix): DenseMatrix {
  const out = new Float64Array(a.rows * a.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < a.cols; j++) out[j * a.rows + i] = a.data[i * a.cols + j];
  }
  return { rows: a.cols, cols: a.rows, data: out };
}

function columnsOf(a: DenseMatrix): Float64Array[] {
  return Array.from({ length: a.cols }, (_, j) => {
    const column = new Float64Array(a.rows);
    for (let i = 0; i < a.rows; i++) column[i] = a.data[i * a.cols + j];
    return column;
  });
}

function fromColumns(columns: Float64Array[], rows: number): DenseMatrix {
  const cols = columns.length;
  const data = new Float64Array(rows * cols);
  columns.forEach((column, j) => {
    for (let i = 0; i < rows; i++) data[i * cols + j] = column[i];
  });
  return { rows, cols, data };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** Householder QR of a tall matrix given by columns; returns R's columns (n x n, upper). */
function householderR(columns: Float64Array[]): Float64Array[] {
  const n = columns.length;
  const m = columns[0].length;
  const work = columns.map((c) => Float64Array.from(c));
  for (let k = 0; k < n; k++) {
    const x = work[k];
    let norm = 0;
    for (let i = k; i < m; i++) norm += x[i] * x[i];
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = x[k] > 0 ? -norm : norm;
    // v = x[k:] - alpha e_k, stored in place of x[k:], then H = I - 2 v v^T / (v^T v).
    x[k] -= alpha;
    let vNormSquared = 0;
    for (let i = k; i < m; i++) vNormSquared += x[i] * x[i];
    for (let j = k + 1; j < n; j++) {
      const y = work[j];
      let projection = 0;
      for (let i = k; i < m; i++) projection += x[i] * y[i];
      const scale = (2 * projection) / vNormSquared;
      for (let i = k; i < m; i++) y[i] -= scale * x[i];
    }
    x[k] = alpha;
    for (let i = k + 1; i < m; i++) x[i] = 0;
  }
  return work.map((column) => column.slice(0, n));
}

/** One-sided Jacobi: orthogonalises the columns in place and accumulates the rotations in V. */
function jacobiOrthogonalise(columns: Float64Array[]): Float64Array[] {
  const n = columns.length;
  const V = Array.from({ length: n }, (_, j) => {
    const column = new Float64Array(n);
    column[j] = 1;
    return column;
  });
  const norms = columns.map((c) => dot(c, c));
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const gp = columns[p];
        const gq = columns[q];
        const gamma = dot(gp, gq);
        const alpha = norms[p];
        const beta = norms[q];
        if (Math.abs(gamma) <= ROTATION_TOLERANCE * Math.sqrt(alpha * beta) || gamma === 0) {
          continue;
        }
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < gp.length; i++) {
          const a = gp[i];
          const b = gq[i];
          gp[i] = c * a - s * b;
          gq[i] = s * a + c * b;
        }
        const vp = V[p];
        const vq = V[q];
        for (let i = 0; i < n; i++) {
          const a = vp[i];
          const b = vq[i];
          vp[i] = c * a - s * b;
          vq[i] = s * a + c * b;
        }
        norms[p] = alpha - t * gamma;
        norms[q] = beta + t * gamma;
      }
    }
    for (let j = 0; j < n; j++) norms[j] = dot(columns[j], columns[j]);
    if (!rotated) break;
  }
  return V;
}

/**
 * Normalises each column, and replaces the ones that are numerically zero (s_i = 0 in a
 * rank-deficient matrix) by unit vectors orthogonal to all others, so factors stay orthonormal.
 */
function completeOrthonormal(columns: Float64Array[], isDegenerate: (j: number) => boolean): void {
  const m = columns[0]?.length ?? 0;
  const good = columns.filter((_, j) => !isDegenerate(j));
  good.forEach((column) => {
    const norm = Math.sqrt(dot(column, column));
    for (let i = 0; i < m; i++) column[i] /= norm;
  });
  let basisIndex = 0;
  columns.forEach((column, j) => {
    if (!isDegenerate(j)) return;
    for (;;) {
      if (basisIndex >= m) throw new Error('svd: could not complete an orthonormal basis');
      column.fill(0);
      column[basisIndex++] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (const u of good) {
          const projection = dot(u, column);
          for (let i = 0; i < m; i++) column[i] -= projection * u[i];
        }
      }
      const norm = Math.sqrt(dot(column, column));
      if (norm > 0.5) {
        for (let i = 0; i < m; i++) column[i] /= norm;
        break;
      }
    }
    good.push(column);
  });
}

function tallSvd(a: DenseMatrix): ThinSvd {
  const n = a.cols;
  const columns = columnsOf(a);
  // Jacobi on the small triangular factor R costs n^3 per sweep instead of m n^2.
  const work = a.rows > 2 * n ? householderR(columns) : columns.map((c) => Float64Array.from(c));
  const rotations = jacobiOrthogonalise(work);
  const singular = work.map((c) => Math.sqrt(dot(c, c)));
  const order = singular.map((_, j) => j).sort((x, y) => singular[y] - singular[x]);
  const largest = singular[order[0]] ?? 0;
  const cutoff = Math.max(largest * 1e-10, Number.MIN_VALUE);
  const s = Float64Array.from(order, (j) => (singular[j] > cutoff ? singular[j] : 0));
  const V = order.map((j) => rotations[j]);
  // U = A V diag(1/s): exact for the kept directions whether or not R was used.
  const U = order.map((j, position) => {
    const column = new Float64Array(a.rows);
    if (s[position] === 0) return column;
    const v = rotations[j];
    for (let k = 0; k < n; k++) {
      const weight = v[k];
      if (weight === 0) continue;
      const source = columns[k];
      for (let i = 0; i < a.rows; i++) column[i] += weight * source[i];
    }
    return column;
  });
  completeOrthonormal(U, (position) => s[position] === 0);
  return { U: fromColumns(U, a.rows), s, V: fromColumns(V, n) };
}

export function svd(a: DenseMatrix): ThinSvd {
  if (a.rows === 0 || a.cols === 0) throw new Error('svd: empty matrix');
  if (!a.data.every(Number.isFinite)) throw new Error('svd: matrix has NaN or infinite entries');
  if (a.rows >= a.cols) return tallSvd(a);
  const { U, s, V } = tallSvd(transpose(a));
  return { U: V, s, V: U };
}

/** The first `count` columns of a matrix, as float32 row-major values (a tensor's data). */
export function leadingColumns(m: DenseMatrix, count: number): Float32Array {
  const out = new Float32Array(m.rows * count);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < count; j++) out[i * count + j] = m.data[i * m.cols + j];
  }
  return out;
}

/**
 * The best rank-`rank` approximation of a rows x cols matrix as float32 factors: the leading
 * columns of U and V ([rows, rank], [cols, rank], row-major) and the leading singular values.
 */
export function leadingFactors(
  rows: number,
  cols: number,
  values: ArrayLike<number>,
  rank: number,
): { U: Float32Array; s: Float32Array; V: Float32Array } {
  const { U, s, V } = svd(denseMatrix(rows, cols, values));
  return {
    U: leadingColumns(U, rank),
    s: Float32Array.from(s.subarray(0, rank)),
    V: leadingColumns(V, rank),
  };
}

/** U diag(s) V^T, row-major. */
export function reconstruct({ U, s, V }: ThinSvd): DenseMatrix {
  const rows = U.rows;
  const cols = V.rows;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let r = 0; r < s.length; r++) {
      const scaled = U.data[i * U.cols + r] * s[r];
      if (scaled === 0) continue;
      for (let j = 0; j < cols; j++) out[i * cols + j] += scaled * V.data[j * V.cols + r];
    }
  }
  return { rows, cols, data: out };
}
