/**
 * One implementation on one case, in its own process (so JIT state and memory do not carry
 * over): a warm-up run, then timed runs of Coral's 500 iterations; prints one JSON line.
 *   npx tsx benchmarks/softmax-regression/run-one.ts <ours|naive|tfjs> <classes> <dim> [repeats]
 */
import ndarray from 'ndarray';
import { SoftmaxRegression } from '../../src/learn/softmax-regression.js';
import { BATCH_SIZE, benchData, LEARNING_RATE, NUM_ITER } from './data.js';
import { NaiveSoftmaxRegression } from './naive.js';
import { loadTfjs, trainTfjs } from './tfjs.js';

const [impl = 'ours', classesArg = '4', dimArg = '256', repeatsArg = '3'] = process.argv.slice(2);
const classes = Number(classesArg);
const dim = Number(dimArg);
const repeats = Number(repeatsArg);
const data = benchData(classes, dim);

async function timeOnce(numIter: number): Promise<{ ms: number; accuracy: number }> {
  const started = performance.now();
  let accuracy: () => number;
  if (impl === 'ours') {
    const model = new SoftmaxRegression({ featureDim: dim, numClasses: classes, seed: 1 });
    await model.trainWithSgd({ dataTrain: data.xTrain, labelsTrain: data.yTrain }, { numIter, learningRate: LEARNING_RATE, batchSize: BATCH_SIZE });
    accuracy = () => model.getAccuracy(data.xTrain, data.yTrain);
  } else if (impl === 'naive') {
    const model = new NaiveSoftmaxRegression(dim, classes, 1);
    const x = ndarray(data.xTrain, [data.yTrain.length, dim]);
    model.train(x, data.yTrain, numIter, BATCH_SIZE, LEARNING_RATE);
    accuracy = () => model.accuracy(x, data.yTrain);
  } else if (impl === 'tfjs') {
    const tf = await loadTfjs();
    if (!tf) {
      process.stdout.write(`${JSON.stringify({ impl, classes, dim, skipped: 'tfjs not found (set TFJS_DIR)' })}\n`);
      process.exit(0);
    }
    accuracy = trainTfjs(tf, data.xTrain, data.yTrain, dim, classes, numIter, BATCH_SIZE, LEARNING_RATE, 1);
  } else {
    throw new Error(`unknown implementation '${impl}' (ours, naive, tfjs)`);
  }
  const ms = performance.now() - started;
  return { ms, accuracy: accuracy() };
}

await timeOnce(50);
const runs: Array<{ ms: number; accuracy: number }> = [];
for (let i = 0; i < repeats; i++) runs.push(await timeOnce(NUM_ITER));
const sorted = runs.map((r) => r.ms).sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)]!;
process.stdout.write(`${JSON.stringify({ impl, classes, dim, seconds: median / 1000, msPerIter: median / NUM_ITER, trainAccuracy: runs[0]!.accuracy })}\n`);
