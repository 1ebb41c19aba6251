/**
 * One process, one model: the peak resident memory our interpreter adds, measured on the
 * compiled library (dist/, what users run) in plain Node: under tsx, its module loader thread
 * adds or frees memory at random moments, which swamps a measurement of a few MiB.
 * Prints one JSON line: RSS before the model is read (library imported, kernels compiled),
 * peak RSS after create() and `--runs` runs of the pattern input, file, arena and wasm sizes.
 *
 * With --extractor, the same for EmbeddingExtractor.create(path, { device: 'cpu' }) and embed().
 * With --whole-library, the whole package is imported first (images, learning, driver...), as
 * a program that imports from 'edgetpu-learn' does: V8 then has more heap, and the garbage
 * create() makes lands on new-space pages it has not touched yet, which adds to the growth.
 *
 *   node --expose-gc benchmarks/cpu-inference/memory.mjs --model M.tflite [--runs 35] [--extractor] [--whole-library]
 */
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Interpreter } from '../../dist/interpreter/index.js';
import { wasmKernels } from '../../dist/interpreter/wasm/module.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, runs: { type: 'string', default: '35' }, extractor: { type: 'boolean', default: false }, 'whole-library': { type: 'boolean', default: false } } });
if (!values.model) throw new Error('--model is required');

// The learning API (and what it imports: images, sharp...) only for --extractor, as a program using only the interpreter would.
const { EmbeddingExtractor } = values.extractor ? await import('../../dist/learn/index.js') : {};
if (values['whole-library']) await import('../../dist/index.js');
wasmKernels();
// The baseline is a settled process: the garbage of loading the modules collected (run node
// with --expose-gc, as run.ts does), so that its collection does not count against the model.
if (typeof globalThis.gc === 'function') {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    // V8 unmaps freed pages on a background thread: let it finish before the baseline.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
const rssBeforeLoadBytes = process.memoryUsage().rss;
const pattern = (length) => {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 3) & 255;
  return bytes;
};
const elements = (t) => t.shape.reduce((a, d) => a * d, 1) * (t.dtype === 'float32' || t.dtype === 'int32' ? 4 : 1);
let arenaBytes = 0;
if (values.extractor) {
  const extractor = await EmbeddingExtractor.create(values.model, { device: 'cpu' });
  const input = pattern(elements(extractor.input));
  for (let i = 0; i < Number(values.runs); i++) await extractor.embed(input);
  await extractor.close();
} else {
  const interpreter = await Interpreter.create(values.model);
  arenaBytes = interpreter.arenaBytes;
  const inputs = interpreter.inputs.map((t) => pattern(elements(t)));
  for (let i = 0; i < Number(values.runs); i++) await interpreter.run(inputs);
  await interpreter.close();
}
const maxRssBytes = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({
  model: values.model,
  api: values.extractor ? 'EmbeddingExtractor' : 'Interpreter',
  wholeLibrary: values['whole-library'],
  fileBytes: statSync(values.model).size,
  arenaBytes,
  wasmMemoryBytes: wasmKernels()?.heap.capacity ?? 0,
  rssBeforeLoadBytes,
  maxRssBytes,
  growthBytes: maxRssBytes - rssBeforeLoadBytes,
}));
