/**
 * The peer TensorFlow.js implementation (tfjs-core + its pure-JS CPU backend): the same
 * SGD written with tensor ops. tfjs is not a dependency of this project: it is loaded from
 * TFJS_DIR (a folder whose node_modules holds @tensorflow/tfjs-core and
 * @tensorflow/tfjs-backend-cpu), else by normal resolution; without it the peer is skipped.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { SeededRandom } from '../../src/learn/seeded-random.js';

/** The few tfjs calls used here. */
interface Tensor {
  dispose(): void;
  dataSync(): Float32Array | Int32Array;
}
interface Tfjs {
  version_core: string;
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  tidy<T>(fn: () => T): T;
  tensor2d(values: Float32Array, shape: [number, number]): Tensor;
  tensor1d(values: Int32Array, dtype: 'int32'): Tensor;
  oneHot(indices: Tensor, depth: number): Tensor;
  zeros(shape: number[]): Tensor;
  add(a: Tensor, b: Tensor): Tensor;
  sub(a: Tensor, b: Tensor): Tensor;
  mul(a: Tensor, b: Tensor | number): Tensor;
  div(a: Tensor, b: Tensor | number): Tensor;
  matMul(a: Tensor, b: Tensor, transposeA?: boolean, transposeB?: boolean): Tensor;
  gather(x: Tensor, indices: Tensor): Tensor;
  softmax(x: Tensor): Tensor;
  sum(x: Tensor, axis: number, keepDims: boolean): Tensor;
  argMax(x: Tensor, axis: number): Tensor;
}

export async function loadTfjs(): Promise<Tfjs | undefined> {
  const require = createRequire(process.env.TFJS_DIR ? join(process.env.TFJS_DIR, 'index.js') : import.meta.url);
  try {
    const tf = require('@tensorflow/tfjs-core') as Tfjs;
    require('@tensorflow/tfjs-backend-cpu');
    await tf.setBackend('cpu');
    await tf.ready();
    return tf;
  } catch {
    return undefined;
  }
}

/** Trains; returns a function giving the training accuracy. */
export function trainTfjs(tf: Tfjs, xTrain: Float32Array, yTrain: Int32Array, dim: number, classes: number, numIter: number, batchSize: number, lr: number, seed: number): () => number {
  const random = new SeededRandom(seed);
  const rows = yTrain.length;
  const x = tf.tensor2d(xTrain, [rows, dim]);
  const y = tf.oneHot(tf.tensor1d(yTrain, 'int32'), classes);
  let w = tf.tidy(() => tf.mul(tf.tensor2d(Float32Array.from({ length: dim * classes }, () => random.normal()), [dim, classes]), 0.01));
  let b = tf.zeros([1, classes]);
  const indices = new Int32Array(batchSize);
  for (let it = 0; it < numIter; it++) {
    for (let r = 0; r < batchSize; r++) indices[r] = random.below(rows);
    const [nw, nb] = tf.tidy(() => {
      const idx = tf.tensor1d(indices, 'int32');
      const xb = tf.gather(x, idx);
      const dz = tf.div(tf.sub(tf.softmax(tf.add(tf.matMul(xb, w), b)), tf.gather(y, idx)), batchSize);
      return [tf.sub(w, tf.mul(tf.matMul(xb, dz, true, false), lr)), tf.sub(b, tf.mul(tf.sum(dz, 0, true), lr))] as const;
    });
    w.dispose();
    b.dispose();
    w = nw;
    b = nb;
  }
  return () => {
    const predicted = tf.tidy(() => tf.argMax(tf.add(tf.matMul(x, w), b), 1).dataSync());
    let correct = 0;
    for (let r = 0; r < rows; r++) if (predicted[r] === yTrain[r]) correct++;
    return correct / rows;
  };
}
