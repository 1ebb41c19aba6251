/**
 * The peer: real TFLite 2.9 (npm tfjs-tflite-node, native) runs the extractor, our
 * ImprintingEngine trains and serializes, in one process of its own. The extractor is the
 * same model ours runs (engine.serializeExtractorModel()), so the extraction column compares
 * runtimes and the training and serialization columns are the same code.
 * Prints one JSON line (ProtocolResult).
 *
 *   node --import tsx benchmarks/imprinting/tflite-peer.ts --model EXTRACTOR.tflite [--threads N]
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { ImprintingEngine } from '../../src/learn/index.js';
import { Model } from '../../src/tflite/index.js';
import { randomImages, runSequential } from './protocol.js';

interface RunnerTensor {
  data(): ArrayBufferView;
}
interface Runner {
  getInputs(): RunnerTensor[];
  getOutputs(): RunnerTensor[];
  infer(): boolean;
}
interface TfliteNode {
  TFLiteNodeModelRunner: new (model: ArrayBuffer, options: { threads?: number }) => Runner;
}

const { values } = parseArgs({ options: { model: { type: 'string' }, threads: { type: 'string', default: '1' } } });
if (!values.model) throw new Error('--model is required');
const threads = Number(values.threads);

const tflite = createRequire(import.meta.url)('tfjs-tflite-node') as TfliteNode;
const engine = await ImprintingEngine.fromExtractor(values.model);
const extractorBytes = engine.serializeExtractorModel();
const output = Model.fromBuffer(extractorBytes).subgraph(0).outputTensors[0]!;
const scale = output.quantization!.scale[0]!;
const zeroPoint = output.quantization!.zeroPoint[0]!;

const runner = new tflite.TFLiteNodeModelRunner(extractorBytes.slice().buffer as ArrayBuffer, { threads });
const input = runner.getInputs()[0]!.data();
const inputBytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
const images = randomImages(inputBytes.length);

const result = await runSequential('tflite', `TFLite 2.9 native, ${threads} thread${threads > 1 ? 's' : ''}`, engine, images, (image) => {
  inputBytes.set(image);
  if (!runner.infer()) throw new Error('TFLite inference failed');
  const out = runner.getOutputs()[0]!.data() as Uint8Array;
  const embedding = new Float32Array(out.length);
  for (let i = 0; i < out.length; i++) embedding[i] = scale * (out[i]! - zeroPoint);
  return embedding;
});
console.log(JSON.stringify(result));
