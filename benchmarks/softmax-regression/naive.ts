/**
 * The peer "straightforward" implementation: Coral's algorithm transcribed line by line on
 * ndarrays (npm ndarray, get/set), the way a first port would be written: each iteration
 * builds the batch matrix, the one-hot labels, the logits, the probabilities, dP = −Y/P/n,
 * dZ through each row's softmax Jacobian, dW = Xᵀ·dZ and db, then updates W and b.
 */
import ndarray, { type NdArray } from 'ndarray';
import { SeededRandom } from '../../src/learn/seeded-random.js';

export class NaiveSoftmaxRegression {
  private readonly w: NdArray<Float32Array>;
  private readonly b: NdArray<Float32Array>;
  private readonly random: SeededRandom;

  constructor(
    private readonly dim: number,
    private readonly classes: number,
    seed: number,
  ) {
    this.random = new SeededRandom(seed);
    this.w = ndarray(new Float32Array(dim * classes), [dim, classes]);
    this.b = ndarray(new Float32Array(classes), [1, classes]);
    for (let d = 0; d < dim; d++) for (let c = 0; c < classes; c++) this.w.set(d, c, 0.01 * this.random.normal());
  }

  train(x: NdArray<Float32Array>, labels: Int32Array, numIter: number, batchSize: number, lr: number): void {
    const D = this.dim;
    const C = this.classes;
    for (let it = 0; it < numIter; it++) {
      const xb = ndarray(new Float32Array(batchSize * D), [batchSize, D]);
      const y = ndarray(new Float32Array(batchSize * C), [batchSize, C]);
      for (let r = 0; r < batchSize; r++) {
        const row = this.random.below(x.shape[0]!);
        for (let d = 0; d < D; d++) xb.set(r, d, x.get(row, d));
        y.set(r, labels[row]!, 1);
      }
      const z = ndarray(new Float32Array(batchSize * C), [batchSize, C]);
      for (let r = 0; r < batchSize; r++) {
        for (let c = 0; c < C; c++) {
          let s = this.b.get(0, c);
          for (let d = 0; d < D; d++) s += xb.get(r, d) * this.w.get(d, c);
          z.set(r, c, s);
        }
      }
      const p = ndarray(new Float32Array(batchSize * C), [batchSize, C]);
      for (let r = 0; r < batchSize; r++) {
        let max = -Infinity;
        for (let c = 0; c < C; c++) max = Math.max(max, z.get(r, c));
        let sum = 0;
        for (let c = 0; c < C; c++) sum += Math.exp(z.get(r, c) - max);
        for (let c = 0; c < C; c++) p.set(r, c, Math.exp(z.get(r, c) - max) / sum);
      }
      const dp = ndarray(new Float32Array(batchSize * C), [batchSize, C]);
      for (let r = 0; r < batchSize; r++) for (let c = 0; c < C; c++) dp.set(r, c, -y.get(r, c) / p.get(r, c) / batchSize);
      const dz = ndarray(new Float32Array(batchSize * C), [batchSize, C]);
      for (let r = 0; r < batchSize; r++) {
        const jacobian = ndarray(new Float32Array(C * C), [C, C]);
        for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) jacobian.set(i, j, p.get(r, i) * ((i === j ? 1 : 0) - p.get(r, j)));
        for (let i = 0; i < C; i++) {
          let s = 0;
          for (let j = 0; j < C; j++) s += dp.get(r, j) * jacobian.get(j, i);
          dz.set(r, i, s);
        }
      }
      const dw = ndarray(new Float32Array(D * C), [D, C]);
      for (let d = 0; d < D; d++) {
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let r = 0; r < batchSize; r++) s += xb.get(r, d) * dz.get(r, c);
          dw.set(d, c, s);
        }
      }
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let r = 0; r < batchSize; r++) s += dz.get(r, c);
        this.b.set(0, c, this.b.get(0, c) - lr * s);
      }
      for (let d = 0; d < D; d++) for (let c = 0; c < C; c++) this.w.set(d, c, this.w.get(d, c) - lr * dw.get(d, c));
    }
  }

  accuracy(x: NdArray<Float32Array>, labels: Int32Array): number {
    let correct = 0;
    for (let r = 0; r < x.shape[0]!; r++) {
      let best = 0;
      let bestValue = -Infinity;
      for (let c = 0; c < this.classes; c++) {
        let s = this.b.get(0, c);
        for (let d = 0; d < this.dim; d++) s += x.get(r, d) * this.w.get(d, c);
        if (s > bestValue) [best, bestValue] = [c, s];
      }
      if (best === labels[r]) correct++;
    }
    return correct / labels.length;
  }
}
