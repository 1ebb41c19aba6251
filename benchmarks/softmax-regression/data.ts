/**
 * Coral's benchmark data (benchmarks/softmax_regression_benchmarks.py): 1280 rows of
 * uniform random features, labels 0..C-1 tiled and shuffled, 1024 rows to train and 256
 * to validate. Seeded here so every implementation sees the same numbers.
 */
import { SeededRandom } from '../../src/learn/seeded-random.js';

export const TRAIN_ROWS = 1024;
export const VAL_ROWS = 256;
export const NUM_ITER = 500;
export const BATCH_SIZE = 100;
export const LEARNING_RATE = 0.01;
export const CASES: ReadonlyArray<{ classes: number; dim: number }> = [
  { classes: 4, dim: 256 },
  { classes: 16, dim: 256 },
  { classes: 4, dim: 1024 },
  { classes: 16, dim: 1024 },
];

export interface BenchData {
  xTrain: Float32Array;
  yTrain: Int32Array;
  xVal: Float32Array;
  yVal: Int32Array;
}

export function benchData(classes: number, dim: number, seed = 12345): BenchData {
  const random = new SeededRandom(seed);
  const rows = TRAIN_ROWS + VAL_ROWS;
  const x = new Float32Array(rows * dim);
  for (let i = 0; i < x.length; i++) x[i] = random.uniform();
  const y = Int32Array.from({ length: rows }, (_, i) => i % classes);
  for (let i = rows - 1; i > 0; i--) {
    const j = random.below(i + 1);
    [y[i], y[j]] = [y[j]!, y[i]!];
  }
  return { xTrain: x.subarray(0, TRAIN_ROWS * dim), yTrain: y.subarray(0, TRAIN_ROWS), xVal: x.subarray(TRAIN_ROWS * dim), yVal: y.subarray(TRAIN_ROWS) };
}
