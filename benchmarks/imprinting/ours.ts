/**
 * Coral's imprinting protocol on our CPU path, in one process: ImprintingEngine.fromExtractor
 * (default scale), its extractor (the model up to the L2Norm) in an EmbeddingExtractor, and
 * either embed() one image at a time (Coral's way) or embedBatch() on the worker pool.
 * Prints one JSON line (ProtocolResult).
 *
 *   node --import tsx benchmarks/imprinting/ours.ts --model EXTRACTOR.tflite [--batch] [--workers N]
 */
import { parseArgs } from 'node:util';
import { EmbeddingExtractor, ImprintingEngine } from '../../src/learn/index.js';
import { randomImages, runBatched, runSequential } from './protocol.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, batch: { type: 'boolean', default: false }, workers: { type: 'string' } } });
if (!values.model) throw new Error('--model is required');

const engine = await ImprintingEngine.fromExtractor(values.model);
const extractor = await EmbeddingExtractor.create(engine.serializeExtractorModel(), { device: 'cpu' });
const images = randomImages(extractor.input.shape.reduce((a, d) => a * d, 1));

let result;
if (values.batch) {
  const workers = values.workers ? Number(values.workers) : undefined;
  // Starting the pool is set-up, like creating the interpreter: done before the clock.
  await extractor.embedBatch([], { workers });
  result = await runBatched('ours-batch', `embedBatch, ${workers ?? 'one worker per core'}`, engine, images, (inputs) => extractor.embedBatch(inputs, { workers }));
} else {
  result = await runSequential('ours', 'embed(), one interpreter', engine, images, (input) => extractor.embed(input));
}
await extractor.close();
console.log(JSON.stringify(result));
