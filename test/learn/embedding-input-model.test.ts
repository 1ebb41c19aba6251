/**
 * The accuracy benchmark (benchmarks/accuracy) evaluates trained heads on cached embeddings
 * through a model whose input is the embedding. This checks the premise: that head gives the
 * same output bytes as the full model on the image, with and without centering.
 */
import { expect } from 'chai';
import { embeddingInputModel } from '../../benchmarks/accuracy/embedding-input-model.js';
import { Interpreter } from '../../src/interpreter/index.js';
import { ImprintingEngine, SoftmaxRegression } from '../../src/learn/index.js';
import { quantizeToUint8 } from '../../src/learn/quantization.js';
import { Model } from '../../src/tflite/index.js';
import { coralFile } from '../helpers/data.js';
import { EXTRACTOR, IMPRINTING_IMAGES, imageInput } from './fixtures.js';

const TRAIN: ReadonlyArray<[(typeof IMPRINTING_IMAGES)[number], number]> = [['cat_train_0', 0], ['dog_train_0', 1], ['hotdog_train_0', 2], ['hotdog_train_1', 2]];

/** Runs `model` on each input and returns a copy of its first output. */
async function outputs(model: Uint8Array, inputs: readonly Uint8Array[]): Promise<Uint8Array[]> {
  const interpreter = await Interpreter.create(model);
  const out: Uint8Array[] = [];
  for (const input of inputs) out.push(((await interpreter.run([input]))[0] as Uint8Array).slice());
  await interpreter.close();
  return out;
}

const dequantize = (bytes: Uint8Array, model: Uint8Array): Float32Array => {
  const q = Model.fromBuffer(model).subgraph(0).outputTensors[0]!.quantization!;
  return Float32Array.from(bytes, (v) => q.scale[0]! * (v - q.zeroPoint[0]!));
};

describe('benchmarks/accuracy: the embedding-input head equals the full model', function () {
  this.timeout(120000);
  let extractor: Uint8Array;
  let images: Uint8Array[];
  let embeddings: Uint8Array[];
  let head: Model;

  before(async function () {
    extractor = (await Model.load(coralFile(this, EXTRACTOR))).toBuffer();
    images = IMPRINTING_IMAGES.map((name) => imageInput(this, name));
    embeddings = await outputs(extractor, images);
    head = embeddingInputModel(Model.fromBuffer(extractor).subgraph(0).outputTensors[0]!);
  });

  for (const centered of [false, true]) {
    it(`imprinting${centered ? ', centered' : ''}: same normalized embeddings, same scores`, async function () {
      const q = Model.fromBuffer(extractor).subgraph(0).outputTensors[0]!.quantization!;
      const center = centered ? new Float32Array(1024).map((_, d) => embeddings.reduce((s, e) => s + q.scale[0]! * (e[d]! - q.zeroPoint[0]!), 0) / embeddings.length) : undefined;
      const full = await ImprintingEngine.fromExtractor(extractor, { scale: 20, center });
      const small = await ImprintingEngine.fromExtractor(head, { scale: 20, center });
      const fullNormalized = await outputs(full.serializeExtractorModel(), images);
      const smallNormalized = await outputs(small.serializeExtractorModel(), embeddings);
      expect(smallNormalized).to.deep.equal(fullNormalized);
      for (const [name, label] of TRAIN) {
        const i = IMPRINTING_IMAGES.indexOf(name);
        full.train(dequantize(fullNormalized[i]!, full.serializeExtractorModel()), label);
        small.train(dequantize(smallNormalized[i]!, small.serializeExtractorModel()), label);
      }
      const fullScores = await outputs(full.serializeModel(), images);
      expect(await outputs(small.serializeModel(), embeddings)).to.deep.equal(fullScores);
      // And the scores say something: each test photo goes to its class.
      expect(['cat_test_0', 'dog_test_0', 'hotdog_test_0'].map((n) => Array.from(fullScores[IMPRINTING_IMAGES.indexOf(n as never)]!).indexOf(Math.max(...fullScores[IMPRINTING_IMAGES.indexOf(n as never)]!)))).to.deep.equal([0, 1, 2]);
    });
  }

  it('backprop: the exported head gives the same scores', async function () {
    const q = Model.fromBuffer(extractor).subgraph(0).outputTensors[0]!.quantization!;
    const rows = embeddings.map((e) => Float32Array.from(e, (v) => q.scale[0]! * (v - q.zeroPoint[0]!)));
    const labels = IMPRINTING_IMAGES.map((n) => (n.startsWith('cat') ? 0 : n.startsWith('dog') ? 1 : 2));
    const model = new SoftmaxRegression({ featureDim: 1024, numClasses: 3, seed: 7 });
    await model.trainWithSgd({ dataTrain: rows, labelsTrain: labels }, { numIter: 50, learningRate: 0.05, batchSize: 7 });
    const fullScores = await outputs(model.serializeModel(extractor), images);
    expect(await outputs(model.serializeModel(head), embeddings)).to.deep.equal(fullScores);
    expect(quantizeToUint8(rows[0]!, q.scale[0]!, q.zeroPoint[0]!)).to.deep.equal(embeddings[0]);
  });
});
