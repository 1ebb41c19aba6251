import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgeTpuRequiredError } from '../../src/interpreter/index.js';
import { EmbeddingExtractor } from '../../src/learn/embedding-extractor.js';
import { UnsupportedModelError } from '../../src/learn/errors.js';
import { extractorFromClassifier } from '../../src/learn/extractor-from-classifier.js';
import { ImprintingEngine } from '../../src/learn/imprinting-engine.js';
import { Model, fb } from '../../src/tflite/index.js';
import { singleOpModel } from '../helpers/single-op-model.js';
import { coralFile } from '../helpers/data.js';
import { EXTRACTOR, EXTRACTOR_EDGETPU, IMPRINTING_IMAGES, imageInput, referenceOutput } from './fixtures.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('learn: extractorFromClassifier', function () {
  it('cuts a classifier at the input of its 1x1 classifier conv; TFLite computes the same embedding as inside the classifier', function () {
    const classifier = readFileSync(coralFile(this, 'mobilenet_v1_0.25_128_quant.tflite'));
    const extractor = Model.fromBuffer(extractorFromClassifier(classifier));
    const out = extractor.subgraph(0).outputTensors;
    expect(out.map((t) => t.name)).to.deep.equal(['MobilenetV1/Logits/AvgPool_1a/AvgPool']);
    expect(out[0]!.shape).to.deep.equal([1, 1, 1, 256]);
    expect(extractor.operatorCodes.map((c) => c.op)).to.not.include.members(['SOFTMAX', 'RESHAPE']);
    // Cutting by name gives the same model.
    expect(Buffer.from(extractorFromClassifier(classifier, { tensor: 'MobilenetV1/Logits/AvgPool_1a/AvgPool' })).equals(Buffer.from(extractor.toBuffer()))).to.equal(true);
  });

  it('finds the conv input of an imprinting model (the L2Norm output)', async function () {
    const engine = await ImprintingEngine.fromExtractor(readFileSync(coralFile(this, EXTRACTOR)));
    engine.train(new Float32Array(1024).fill(1 / 32), 0);
    const extractor = Model.fromBuffer(extractorFromClassifier(engine.serializeModel()));
    expect(extractor.subgraph(0).outputTensors[0]!.name).to.equal('Imprinting/L2Norm/Output');
  });

  it('an _edgetpu classifier: says to cut the CPU model before compiling', function () {
    const compiled = readFileSync(coralFile(this, 'mobilenet_v1_0.25_128_quant_edgetpu.tflite'));
    expect(() => extractorFromClassifier(compiled)).to.throw(UnsupportedModelError, /cut the CPU model/);
    expect(() => extractorFromClassifier(compiled, { tensor: 'MobilenetV1/Logits/AvgPool_1a/AvgPool' })).to.throw(UnsupportedModelError, /cut the CPU model/);
  });

  it('a tensor that does not exist, or a model without softmax', function () {
    const classifier = readFileSync(coralFile(this, 'mobilenet_v1_0.25_128_quant.tflite'));
    expect(() => extractorFromClassifier(classifier, { tensor: 'nope' })).to.throw(UnsupportedModelError, /no tensor named 'nope'/);
    expect(() => extractorFromClassifier(readFileSync(coralFile(this, EXTRACTOR)))).to.throw(UnsupportedModelError, /no SOFTMAX/);
  });
});

describe('learn: EmbeddingExtractor', function () {
  let cpu: Uint8Array;
  let inputs: Uint8Array[];
  before(function () {
    const ctx = this as unknown as Mocha.Context;
    cpu = readFileSync(coralFile(ctx, EXTRACTOR));
    inputs = IMPRINTING_IMAGES.map((name) => imageInput(ctx, name));
  });

  it('embed() returns the dequantized output, exactly as from real TFLite', async function () {
    const extractor = await EmbeddingExtractor.create(cpu, { device: 'cpu' });
    try {
      expect(extractor.embeddingDim).to.equal(1024);
      for (const input of inputs.slice(0, 3)) expect(Array.from(await extractor.embed(input))).to.deep.equal(Array.from(referenceOutput(cpu, input)));
      // Concurrent calls queue on the one interpreter.
      const [a, b] = await Promise.all([extractor.embed(inputs[0]!), extractor.embed(inputs[1]!)]);
      expect(Array.from(a)).to.deep.equal(Array.from(referenceOutput(cpu, inputs[0]!)));
      expect(Array.from(b)).to.deep.equal(Array.from(referenceOutput(cpu, inputs[1]!)));
    } finally {
      await extractor.close();
    }
  });

  it('embedBatch() gives the same embeddings in order, reports progress, and aborts', async function () {
    const extractor = await EmbeddingExtractor.create(cpu);
    try {
      const seen: number[] = [];
      const batch = await extractor.embedBatch(inputs, { workers: 2, onProgress: (done) => seen.push(done) });
      expect(batch.length).to.equal(inputs.length);
      for (let i = 0; i < inputs.length; i++) expect(Array.from(batch[i]!)).to.deep.equal(Array.from(await extractor.embed(inputs[i]!)));
      expect(seen.sort((x, y) => x - y)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
      const aborted = new AbortController();
      aborted.abort(new Error('stop'));
      expect(await rejection(extractor.embedBatch(inputs, { signal: aborted.signal }))).to.have.property('message', 'stop');
    } finally {
      await extractor.close();
    }
  });

  it('from a file: embed() and embedBatch() give real TFLite\'s embeddings (the pool reads the file again)', async function () {
    const extractor = await EmbeddingExtractor.create(coralFile(this, EXTRACTOR), { device: 'cpu' });
    try {
      const expected = inputs.slice(0, 3).map((input) => Array.from(referenceOutput(cpu, input)));
      for (let i = 0; i < 3; i++) expect(Array.from(await extractor.embed(inputs[i]!))).to.deep.equal(expected[i]);
      const batch = await extractor.embedBatch(inputs.slice(0, 3), { workers: 2 });
      expect(batch.map((e) => Array.from(e))).to.deep.equal(expected);
    } finally {
      await extractor.close();
    }
  });

  it('refuses a model with other than one input and one output, from bytes or from a file (RangeError)', async function () {
    // Two outputs: SPLIT of a [1, 4] tensor into two [1, 2] halves.
    const twoOutputs = singleOpModel({
      op: 'SPLIT',
      inputs: [{ shape: [], dtype: 'int32', data: new Int32Array([1]) }, { shape: [1, 4], dtype: 'uint8', quant: { scale: 1, zeroPoint: 0 } }],
      outputs: [{ shape: [1, 2], dtype: 'uint8', quant: { scale: 1, zeroPoint: 0 } }, { shape: [1, 2], dtype: 'uint8', quant: { scale: 1, zeroPoint: 0 } }],
      options: new fb.SplitOptionsT(2),
    });
    const path = join(mkdtempSync(join(tmpdir(), 'extractor-')), 'split.tflite');
    writeFileSync(path, twoOutputs);
    for (const source of [twoOutputs, path]) {
      const e = await rejection(EmbeddingExtractor.create(source, { device: 'cpu' }));
      expect(e, typeof source).to.be.instanceOf(RangeError);
      expect((e as Error).message).to.equal('an embedding extractor has one input and one output; this model has 1 and 2');
    }
  });

  it('devices: usb needs an _edgetpu model; on the CPU an _edgetpu model needs its CPU variant (test/learn/extractor-device.test.ts has the rest)', async function () {
    for (const device of ['usb', 'usb:0'] as const) {
      const e = await rejection(EmbeddingExtractor.create(cpu, { device }));
      expect(e).to.be.instanceOf(UnsupportedModelError);
      expect((e as UnsupportedModelError).message).to.match(/it is a CPU model/);
    }
    expect(await rejection(EmbeddingExtractor.create(cpu, { device: 'tpu' as 'usb' }))).to.be.instanceOf(RangeError);
    const compiled = readFileSync(coralFile(this, EXTRACTOR_EDGETPU));
    expect(await rejection(EmbeddingExtractor.create(compiled, { device: 'cpu' }))).to.be.instanceOf(EdgeTpuRequiredError);
  });
});
