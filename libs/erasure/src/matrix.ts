import { gfDiv, gfExp, gfMul } from './galois.js';
import { ErasureError } from './erasure-error.js';

/** A dense matrix over GF(2^8), rows of bytes. */
export type Matrix = Uint8Array[];

export function zeroMatrix(rows: number, cols: number): Matrix {
  return Array.from({ length: rows }, () => new Uint8Array(cols));
}

export function identity(n: number): Matrix {
  const m = zeroMatrix(n, n);
  for (let i = 0; i < n; i++) m[i]![i] = 1;
  return m;
}

/** The rows×cols Vandermonde matrix v[r][c] = r^c. */
export function vandermonde(rows: number, cols: number): Matrix {
  const m = zeroMatrix(rows, cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) m[r]![c] = gfExp(r, c);
  return m;
}

export function multiply(a: Matrix, b: Matrix): Matrix {
  const rows = a.length;
  const inner = b.length;
  const cols = b[0]!.length;
  const out = zeroMatrix(rows, cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let v = 0;
      for (let i = 0; i < inner; i++) v ^= gfMul(a[r]![i]!, b[i]![c]!);
      out[r]![c] = v;
    }
  }
  return out;
}

/** Rows [from, to) of m (copied). */
export function subRows(m: Matrix, from: number, to: number): Matrix {
  return m.slice(from, to).map((row) => Uint8Array.from(row));
}

/** The inverse of a square matrix (Gauss-Jordan); throws when singular. */
export function invert(m: Matrix): Matrix {
  const n = m.length;
  const work = m.map((row, r) => {
    const wide = new Uint8Array(2 * n);
    wide.set(row);
    wide[n + r] = 1;
    return wide;
  });
  for (let col = 0; col < n; col++) {
    let pivot = col;
    while (pivot < n && work[pivot]![col] === 0) pivot++;
    if (pivot === n) throw new ErasureError('ERASURE_ERR_SINGULAR', 'matrix is singular');
    if (pivot !== col) [work[col], work[pivot]] = [work[pivot]!, work[col]!];
    const row = work[col]!;
    const p = row[col]!;
    if (p !== 1) {
      for (let c = 0; c < 2 * n; c++) row[c] = gfDiv(row[c]!, p);
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = work[r]![col]!;
      if (f === 0) continue;
      const other = work[r]!;
      for (let c = 0; c < 2 * n; c++) other[c]! ^= gfMul(f, row[c]!);
    }
  }
  return work.map((row) => row.slice(n));
}
