import type { NdArray } from 'ndarray';
import { InvalidTrainingDataError } from './errors.js';

/**
 * Rows of features as callers hold them: a 2-D ndarray (rows × featureDim), an array of
 * rows (Float32Array or number[]), or one flat row-major Float32Array.
 */
export type FeatureInput = NdArray | Float32Array | ReadonlyArray<ArrayLike<number>>;

/** Class labels: one integer per row. */
export type LabelInput = ArrayLike<number> | NdArray;

/** A dense row-major matrix of float32 features. */
export interface FeatureMatrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

function isNdArray(x: unknown): x is NdArray {
  return typeof x === 'object' && x !== null && Array.isArray((x as NdArray).shape) && Array.isArray((x as NdArray).stride) && 'data' in x && typeof (x as NdArray).offset === 'number';
}

/**
 * Converts features to a row-major float32 matrix of `featureDim` columns. A flat
 * Float32Array and a C-ordered float32 ndarray are used without copying; anything else is
 * copied once. Non-finite values are rejected: one NaN would silently poison training.
 */
export function toFeatureMatrix(input: FeatureInput, featureDim: number, what = 'data'): FeatureMatrix {
  let m: FeatureMatrix;
  if (input instanceof Float32Array) {
    if (input.length % featureDim !== 0) throw new InvalidTrainingDataError(`${what}: a flat Float32Array of ${input.length} values is not a whole number of rows of featureDim ${featureDim}`);
    m = { data: input, rows: input.length / featureDim, cols: featureDim };
  } else if (isNdArray(input)) {
    m = fromNdArray(input, featureDim, what);
  } else if (Array.isArray(input)) {
    const rows = input.length;
    const data = new Float32Array(rows * featureDim);
    for (let r = 0; r < rows; r++) {
      const row = input[r] as ArrayLike<number> | undefined;
      if (!row || row.length !== featureDim) throw new InvalidTrainingDataError(`${what}: row ${r} has ${row?.length ?? 'no'} values, expected featureDim ${featureDim}`);
      data.set(row, r * featureDim);
    }
    m = { data, rows, cols: featureDim };
  } else {
    throw new InvalidTrainingDataError(`${what}: expected a 2-D ndarray, an array of rows or a flat Float32Array`);
  }
  checkFinite(m, what);
  return m;
}

function fromNdArray(a: NdArray, featureDim: number, what: string): FeatureMatrix {
  if (a.shape.length !== 2) throw new InvalidTrainingDataError(`${what}: expected a 2-D ndarray (rows × featureDim), got shape [${a.shape.join(', ')}]`);
  const [rows, cols] = a.shape as [number, number];
  if (cols !== featureDim) throw new InvalidTrainingDataError(`${what}: ndarray has ${cols} columns, expected featureDim ${featureDim}`);
  const [rs, cs] = a.stride as [number, number];
  const src = a.data;
  if (src instanceof Float32Array && cs === 1 && (rs === cols || rows <= 1)) {
    return { data: src.subarray(a.offset, a.offset + rows * cols), rows, cols };
  }
  const data = new Float32Array(rows * cols);
  const indexable = ArrayBuffer.isView(src) || Array.isArray(src);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      data[r * cols + c] = indexable ? (src as ArrayLike<number>)[a.offset + r * rs + c * cs]! : (a.get(r, c) as number);
    }
  }
  return { data, rows, cols };
}

function checkFinite(m: FeatureMatrix, what: string): void {
  const d = m.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!)) throw new InvalidTrainingDataError(`${what}: row ${Math.floor(i / m.cols)}, column ${i % m.cols} is ${d[i]}; features must be finite numbers`);
  }
}

/** Converts labels to Int32Array, checking that there is one integer in [0, numClasses) per row. */
export function toLabels(input: LabelInput, rows: number, numClasses: number, what = 'labels'): Int32Array {
  let values: ArrayLike<number>;
  if (isNdArray(input)) {
    if (input.shape.length !== 1) throw new InvalidTrainingDataError(`${what}: expected a 1-D ndarray, got shape [${input.shape.join(', ')}]`);
    const n = input.shape[0]!;
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = Number(input.get(i));
    values = out;
  } else {
    values = input;
  }
  if (values.length !== rows) throw new InvalidTrainingDataError(`${what}: ${values.length} labels for ${rows} rows of data`);
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = values[i]!;
    if (!(Number.isInteger(v) && v >= 0 && v < numClasses)) throw new InvalidTrainingDataError(`${what}: label ${i} is ${v}; labels must be integers in [0, ${numClasses})`);
    out[i] = v;
  }
  return out;
}
