import { expect } from 'chai';
import ndarray from 'ndarray';
import { InvalidTrainingDataError } from '../../src/learn/errors.js';
import { SeededRandom } from '../../src/learn/seeded-random.js';
import { SoftmaxRegression, type TrainingProgress } from '../../src/learn/softmax-regression.js';

/**
 * Coral's fake data: one Gaussian blob (identity covariance) per class, shuffled; the
 * first `numTrain` rows train, the rest validate.
 */
function blobs(seed: number, means: number[][], classSizes: number[], numTrain: number) {
  const random = new SeededRandom(seed);
  const dim = means[0]!.length;
  const rows: Array<{ x: number[]; y: number }> = [];
  classSizes.forEach((size, c) => {
    for (let i = 0; i < size; i++) rows.push({ x: means[c]!.map((m) => m + random.normal()), y: c });
  });
  for (let i = rows.length - 1; i > 0; i--) {
    const j = random.below(i + 1);
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  const flat = Float32Array.from(rows.flatMap((r) => r.x));
  const labels = Int32Array.from(rows.map((r) => r.y));
  return {
    dataTrain: flat.subarray(0, numTrain * dim),
    labelsTrain: labels.subarray(0, numTrain),
    dataVal: flat.subarray(numTrain * dim),
    labelsVal: labels.subarray(numTrain),
  };
}

const SEPARABLE = [[3, 3], [-3, -3], [3, -3]];
const NON_SEPARABLE = [[1, 1], [-1, -1], [1, -1]];
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

describe('learn: SoftmaxRegression', function () {
  describe('Coral\'s accuracy tests, over several seeds', function () {
    // One fixed draw of the data per test, as pycoral (numpy seeds 12345 / 54321), and
    // several model seeds.
    it('separable blobs: 20 iterations, lr 0.01 → train accuracy > 0.99 (pycoral)', async function () {
      const data = blobs(12345, SEPARABLE, [76, 76, 78], 200);
      for (const seed of SEEDS) {
        const model = new SoftmaxRegression({ featureDim: 2, numClasses: 3, seed });
        await model.trainWithSgd(data, { numIter: 20, learningRate: 0.01, batchSize: 100 });
        expect(model.getAccuracy(data.dataTrain, data.labelsTrain), `seed ${seed}`).to.be.above(0.99);
      }
    });

    it('non-separable blobs: 50 iterations, lr 0.1 → as good as a converged model, and > 0.68', async function () {
      // pycoral asserts > 0.8 on its numpy draw; on this draw no linear classifier gets
      // there (5000 iterations reach 0.755), so the test asks for libcoral's 0.68 and for
      // the 50-iteration model to be within 0.01 of the converged one.
      const data = blobs(54321, NON_SEPARABLE, [76, 76, 78], 200);
      const converged = new SoftmaxRegression({ featureDim: 2, numClasses: 3, seed: 1 });
      await converged.trainWithSgd(data, { numIter: 5000, learningRate: 0.1, batchSize: 100 });
      const best = converged.getAccuracy(data.dataTrain, data.labelsTrain);
      expect(best).to.be.above(0.7);
      for (const seed of SEEDS) {
        const model = new SoftmaxRegression({ featureDim: 2, numClasses: 3, seed });
        await model.trainWithSgd(data, { numIter: 50, learningRate: 0.1, batchSize: 100 });
        const accuracy = model.getAccuracy(data.dataTrain, data.labelsTrain);
        expect(accuracy, `seed ${seed}`).to.be.above(0.68);
        expect(accuracy, `seed ${seed}`).to.be.at.least(best - 0.01);
      }
    });

    it('libcoral\'s shorter runs: 5 iterations → > 0.94, 10 iterations (lr 0.1) → > 0.68', async function () {
      for (const seed of SEEDS) {
        const sep = blobs(100 + seed, SEPARABLE, [78, 76, 76], 200);
        const a = new SoftmaxRegression({ featureDim: 2, numClasses: 3, seed });
        await a.trainWithSgd(sep, { numIter: 5, learningRate: 0.01, batchSize: 100 });
        expect(a.getAccuracy(sep.dataTrain, sep.labelsTrain), `separable, seed ${seed}`).to.be.above(0.94);
        const non = blobs(200 + seed, NON_SEPARABLE, [78, 76, 76], 200);
        const b = new SoftmaxRegression({ featureDim: 2, numClasses: 3, seed });
        await b.trainWithSgd(non, { numIter: 10, learningRate: 0.1, batchSize: 100 });
        expect(b.getAccuracy(non.dataTrain, non.labelsTrain), `non-separable, seed ${seed}`).to.be.above(0.68);
      }
    });

    it('an untrained model is at chance level (the tests above can fail)', function () {
      const data = blobs(1, SEPARABLE, [76, 76, 78], 200);
      const model = new SoftmaxRegression({ featureDim: 2, numClasses: 3, weightScale: 0, seed: 1 });
      expect(model.getAccuracy(data.dataTrain, data.labelsTrain)).to.be.below(0.5);
    });
  });

  it('initialises weights as weightScale × N(0, 1) and the bias as 0', function () {
    const model = new SoftmaxRegression({ featureDim: 256, numClasses: 16, weightScale: 0.05, seed: 9 });
    const w = model.weights;
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    const std = Math.sqrt(w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length);
    expect(mean).to.be.closeTo(0, 0.003);
    expect(std).to.be.closeTo(0.05, 0.002);
    expect(Array.from(model.bias)).to.deep.equal(new Array(16).fill(0));
    expect(model.logitRange).to.equal(null);
  });

  it('is repeatable with a seed, and different with another', async function () {
    const data = blobs(5, NON_SEPARABLE, [76, 76, 78], 200);
    const run = async (seed: number): Promise<Float32Array> => {
      const m = new SoftmaxRegression({ featureDim: 2, numClasses: 3, seed });
      await m.trainWithSgd(data, { numIter: 30, learningRate: 0.1 });
      return m.weights;
    };
    expect(Array.from(await run(3))).to.deep.equal(Array.from(await run(3)));
    expect(Array.from(await run(3))).to.not.deep.equal(Array.from(await run(4)));
  });

  it('accepts ndarrays, arrays of rows and flat Float32Arrays alike', async function () {
    const data = blobs(6, SEPARABLE, [76, 76, 78], 200);
    const rows = Array.from({ length: 200 }, (_, r) => data.dataTrain.slice(r * 2, r * 2 + 2));
    // A transposed (column-major) ndarray view must be read through its strides.
    const transposed = ndarray(new Float64Array(400), [2, 200]);
    for (let r = 0; r < 200; r++) for (let c = 0; c < 2; c++) transposed.set(c, r, data.dataTrain[r * 2 + c]!);
    const inputs = [data.dataTrain, rows, rows.map((r) => Array.from(r)), ndarray(data.dataTrain, [200, 2]), transposed.transpose(1, 0)];
    const results: number[][] = [];
    for (const dataTrain of inputs) {
      const m = new SoftmaxRegression({ featureDim: 2, numClasses: 3, seed: 11 });
      await m.trainWithSgd({ dataTrain, labelsTrain: Array.from(data.labelsTrain) }, { numIter: 10, learningRate: 0.05 });
      results.push(Array.from(m.weights));
    }
    for (const r of results.slice(1)) expect(r).to.deep.equal(results[0]);
  });

  it('regularization enters the gradient: W_reg = W − lr·reg·W_before for one step', async function () {
    const data = blobs(7, NON_SEPARABLE, [76, 76, 78], 200);
    const plain = new SoftmaxRegression({ featureDim: 2, numClasses: 3, weightScale: 1, seed: 5 });
    const regularized = new SoftmaxRegression({ featureDim: 2, numClasses: 3, weightScale: 1, reg: 0.5, seed: 5 });
    const before = plain.weights;
    await plain.trainWithSgd(data, { numIter: 1, learningRate: 0.1 });
    const result = await regularized.trainWithSgd(data, { numIter: 1, learningRate: 0.1 });
    const a = plain.weights;
    const b = regularized.weights;
    for (let i = 0; i < a.length; i++) expect(b[i]!).to.be.closeTo(a[i]! - 0.1 * 0.5 * before[i]!, 1e-6);
    // The loss adds reg/2·‖W‖² (Frobenius), not libcoral's sum of all entries of WᵀW.
    const frobenius = before.reduce((s, v) => s + v * v, 0);
    const plainRun = new SoftmaxRegression({ featureDim: 2, numClasses: 3, weightScale: 1, seed: 5 });
    const plainResult = await plainRun.trainWithSgd(data, { numIter: 1, learningRate: 0.1 });
    expect(result.loss - plainResult.loss).to.be.closeTo(0.25 * frobenius, 1e-5);
    // And over a long run the weights shrink.
    const norm = (w: Float32Array): number => Math.sqrt(w.reduce((s, v) => s + v * v, 0));
    await plain.trainWithSgd(data, { numIter: 200, learningRate: 0.1 });
    await regularized.trainWithSgd(data, { numIter: 200, learningRate: 0.1 });
    expect(norm(regularized.weights)).to.be.below(0.5 * norm(plain.weights));
  });

  it('reports progress every printEvery iterations, iteration 0 included', async function () {
    const data = blobs(8, SEPARABLE, [76, 76, 78], 200);
    const seen: TrainingProgress[] = [];
    const m = new SoftmaxRegression({ featureDim: 2, numClasses: 3, seed: 1 });
    const result = await m.trainWithSgd(data, { numIter: 20, learningRate: 0.01, printEvery: 5, onProgress: (p) => seen.push(p) });
    expect(seen.map((p) => p.iteration)).to.deep.equal([0, 5, 10, 15]);
    for (const p of seen) {
      expect(p.numIter).to.equal(20);
      expect(p.loss).to.be.above(0);
      expect(p.trainAccuracy).to.be.within(0, 1);
      expect(p.valAccuracy).to.be.within(0, 1);
    }
    expect(result).to.include({ iterations: 20, aborted: false });
    expect(result.valAccuracy).to.be.above(0.9);
    expect(m.iterations).to.equal(20);
  });

  it('stops cleanly on abort and keeps the weights reached', async function () {
    const data = blobs(9, SEPARABLE, [76, 76, 78], 200);
    const controller = new AbortController();
    const m = new SoftmaxRegression({ featureDim: 2, numClasses: 3, seed: 1 });
    const result = await m.trainWithSgd(data, {
      numIter: 100,
      learningRate: 0.01,
      printEvery: 1,
      signal: controller.signal,
      onProgress: (p) => p.iteration === 4 && controller.abort(),
    });
    expect(result).to.include({ iterations: 5, aborted: true });
    expect(m.iterations).to.equal(5);
    expect(result.trainAccuracy).to.equal(m.getAccuracy(data.dataTrain, data.labelsTrain));
    const again = await m.trainWithSgd(data, { numIter: 10, learningRate: 0.01, signal: controller.signal });
    expect(again).to.include({ iterations: 0, aborted: true });
  });

  it('yields to the event loop, so an abort from a timer stops a long run', async function () {
    const random = new SeededRandom(1);
    const dataTrain = Float32Array.from({ length: 512 * 256 }, () => random.uniform());
    const labelsTrain = Int32Array.from({ length: 512 }, (_, i) => i % 4);
    const m = new SoftmaxRegression({ featureDim: 256, numClasses: 4, seed: 1 });
    const started = performance.now();
    const result = await m.trainWithSgd({ dataTrain, labelsTrain }, { numIter: 10_000_000, learningRate: 0.01, signal: AbortSignal.timeout(100) });
    expect(result.aborted).to.equal(true);
    expect(result.iterations).to.be.above(0);
    expect(performance.now() - started).to.be.below(5000);
  });

  it('predict and predictProbabilities agree with getAccuracy', async function () {
    const data = blobs(10, SEPARABLE, [76, 76, 78], 200);
    const m = new SoftmaxRegression({ featureDim: 2, numClasses: 3, seed: 2 });
    await m.trainWithSgd(data, { numIter: 30, learningRate: 0.01 });
    const predicted = m.predict(data.dataVal);
    const correct = predicted.reduce((s, p, i) => s + (p === data.labelsVal[i] ? 1 : 0), 0);
    expect(m.getAccuracy(data.dataVal, data.labelsVal)).to.equal(correct / predicted.length);
    const probs = m.predictProbabilities(data.dataVal);
    for (let r = 0; r < predicted.length; r++) {
      const row = probs.subarray(r * 3, r * 3 + 3);
      expect(row.reduce((s, v) => s + v, 0)).to.be.closeTo(1, 1e-5);
      expect(row.indexOf(Math.max(...row))).to.equal(predicted[r]);
    }
  });

  it('toJSON / fromJSON restore the model, and training continues identically', async function () {
    const data = blobs(11, NON_SEPARABLE, [76, 76, 78], 200);
    const m = new SoftmaxRegression({ featureDim: 2, numClasses: 3, reg: 0.01, seed: 3 });
    await m.trainWithSgd(data, { numIter: 10, learningRate: 0.1 });
    const copy = SoftmaxRegression.fromJSON(JSON.stringify(m));
    expect(Array.from(copy.weights)).to.deep.equal(Array.from(m.weights));
    expect(Array.from(copy.bias)).to.deep.equal(Array.from(m.bias));
    expect(copy.logitRange).to.deep.equal(m.logitRange);
    expect(copy).to.include({ featureDim: 2, numClasses: 3, reg: 0.01, iterations: 10 });
    await m.trainWithSgd(data, { numIter: 10, learningRate: 0.1 });
    await copy.trainWithSgd(data, { numIter: 10, learningRate: 0.1 });
    expect(Array.from(copy.weights)).to.deep.equal(Array.from(m.weights));
    expect(() => SoftmaxRegression.fromJSON('{"format":"something else"}')).to.throw(InvalidTrainingDataError);
  });

  it('rejects data that does not fit, with typed errors', async function () {
    const m = new SoftmaxRegression({ featureDim: 2, numClasses: 3, seed: 1 });
    const x = Float32Array.of(1, 2, 3, 4);
    const bad = [
      { dataTrain: x, labelsTrain: [0, 3] }, // label out of range
      { dataTrain: x, labelsTrain: [0] }, // count mismatch
      { dataTrain: Float32Array.of(1, 2, 3), labelsTrain: [0] }, // not whole rows
      { dataTrain: Float32Array.of(1, Number.NaN), labelsTrain: [0] },
      { dataTrain: [[1, 2, 3]], labelsTrain: [0] },
      { dataTrain: x, labelsTrain: [0, 1.5] },
      { dataTrain: x, labelsTrain: [0, 1], dataVal: x },
    ];
    for (const data of bad) {
      let error: unknown;
      await m.trainWithSgd(data, { numIter: 1, learningRate: 0.1 }).catch((e: unknown) => (error = e));
      expect(error, JSON.stringify(data)).to.be.instanceOf(InvalidTrainingDataError);
    }
    expect(() => new SoftmaxRegression({ featureDim: 0, numClasses: 3 })).to.throw(RangeError);
    expect(() => new SoftmaxRegression({ featureDim: 2, numClasses: 1 })).to.throw(RangeError);
    let error: unknown;
    await m.trainWithSgd({ dataTrain: x, labelsTrain: [0, 1] }, { numIter: 1, learningRate: 0 }).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(RangeError);
  });
});
