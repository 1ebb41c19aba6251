/**
 * Throughput on a batch: `--images` different inputs through one Interpreter (one after the
 * other) and through an InterpreterPool (one interpreter per worker thread), in images per
 * second. Prints one JSON line.
 *
 *   node --import tsx benchmarks/cpu-inference/batch.ts --model M.tflite [--images 200] [--workers N]
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { Interpreter, InterpreterPool } from '../../src/interpreter/index.js';
import { patternBytes } from './stats.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, images: { type: 'string', default: '200' }, workers: { type: 'string' } } });
if (!values.model) throw new Error('--model is required');
const images = Number(values.images);
const workers = values.workers ? Number(values.workers) : availableParallelism();

const single = await Interpreter.create(values.model);
const batch = Array.from({ length: images }, (_, i) => single.inputs.map((t) => patternBytes(t.shape.reduce((a, d) => a * d, 1), i)));
for (let i = 0; i < 5; i++) await single.run(batch[i]!);
let start = performance.now();
for (const inputs of batch) await single.run(inputs);
const singleSeconds = (performance.now() - start) / 1000;
await single.close();

const pool = await InterpreterPool.create(values.model, { workers });
await pool.runBatch(batch.slice(0, workers * 3)); // warm every worker up
start = performance.now();
await pool.runBatch(batch);
const poolSeconds = (performance.now() - start) / 1000;
await pool.close();

console.log(JSON.stringify({
  model: values.model,
  images,
  workers,
  singleImagesPerSecond: images / singleSeconds,
  poolImagesPerSecond: images / poolSeconds,
}));
