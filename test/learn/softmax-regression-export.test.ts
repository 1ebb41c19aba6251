import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { Interpreter } from '../../src/interpreter/index.js';
import { appendClassifierHead } from '../../src/learn/classifier-head.js';
import { UnsupportedModelError } from '../../src/learn/errors.js';
import { quantizeToInt32, quantizeToUint8, uint8QuantizationFor } from '../../src/learn/quantization.js';
import { SeededRandom } from '../../src/learn/seeded-random.js';
import { SoftmaxRegression } from '../../src/learn/softmax-regression.js';
import { Model, type TensorInfo } from '../../src/tflite/index.js';
import { coralFile } from '../helpers/data.js';
import { referenceRun } from '../helpers/tflite-oracle.js';
import { EXTRACTOR, EXTRACTOR_EDGETPU, imageInput, referenceOutput, top1, type ImprintingImage } from './fixtures.js';

const EMBEDDING_SCALE = Math.fround(0.023528477177023888);
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

function quant(t: TensorInfo): { scale: number; zeroPoint: number; min?: number; max?: number } {
  const q = t.quantization!;
  return { scale: q.scale[0]!, zeroPoint: q.zeroPoint[0]!, min: q.min?.[0], max: q.max?.[0] };
}

/** Our interpreter's output bytes for one input. */
async function ourRun(model: Uint8Array, input: Uint8Array): Promise<Uint8Array> {
  const interpreter = await Interpreter.create(model);
  try {
    const [out] = await interpreter.run([input]);
    return Uint8Array.from(out as Uint8Array);
  } finally {
    await interpreter.close();
  }
}

describe('learn: SoftmaxRegression.serializeModel (FC + softmax appended to an extractor)', function () {
  let cpu: Uint8Array;
  let edgetpu: Uint8Array;
  let trained: SoftmaxRegression;
  before(async function () {
    const ctx = this as unknown as Mocha.Context;
    cpu = readFileSync(coralFile(ctx, EXTRACTOR));
    edgetpu = readFileSync(coralFile(ctx, EXTRACTOR_EDGETPU));
    const random = new SeededRandom(4);
    trained = new SoftmaxRegression({ featureDim: 1024, numClasses: 5, seed: 4 });
    const dataTrain = Float32Array.from({ length: 300 * 1024 }, () => 6 * random.uniform() * random.uniform());
    const labelsTrain = Int32Array.from({ length: 300 }, (_, i) => i % 5);
    await trained.trainWithSgd({ dataTrain, labelsTrain }, { numIter: 20, learningRate: 0.01 });
  });

  it('appends FULLY_CONNECTED → RESHAPE → SOFTMAX with Coral\'s names, shapes and quantization', function () {
    const before = Model.fromBuffer(cpu);
    const model = Model.fromBuffer(trained.serializeModel(cpu));
    const g = model.subgraph(0);
    const ops = g.operators;
    expect(ops.length).to.equal(before.subgraph(0).operators.length + 3);
    expect(ops.slice(-3).map((o) => o.op)).to.deep.equal(['FULLY_CONNECTED', 'RESHAPE', 'SOFTMAX']);
    const [fc, reshape, softmax] = ops.slice(-3);
    const embedding = g.tensor(before.subgraph(0).outputs[0]!);
    expect(fc!.inputs[0]).to.equal(embedding.index);

    const w = trained.weights;
    const b = trained.bias;
    const weights = g.tensor(fc!.inputs[1]!);
    const wq = uint8QuantizationFor(Math.min(0, ...w), Math.max(0, ...w));
    expect(weights).to.include({ name: 'Appended/FC/Weights', dtype: 'uint8' });
    expect(weights.shape).to.deep.equal([5, 1024]);
    expect(quant(weights)).to.deep.equal({ scale: wq.scale, zeroPoint: wq.zeroPoint, min: wq.min, max: wq.max });
    expect(same(g.tensorData(weights.index) as Uint8Array, quantizeToUint8(w, wq.scale, wq.zeroPoint))).to.equal(true);

    const bias = g.tensor(fc!.inputs[2]!);
    const bScale = Math.fround(EMBEDDING_SCALE * wq.scale);
    expect(bias).to.include({ name: 'Appended/FC/Bias', dtype: 'int32' });
    expect(bias.shape).to.deep.equal([5]);
    expect(quant(bias)).to.deep.equal({ scale: bScale, zeroPoint: 0, min: Math.fround(Math.min(0, ...b)), max: Math.fround(Math.max(0, ...b)) });
    expect(Array.from(g.tensorData(bias.index) as Int32Array)).to.deep.equal(Array.from(quantizeToInt32(b, bScale, 0)));

    const [lo, hi] = trained.logitRange!;
    const oq = uint8QuantizationFor(Math.min(0, lo), Math.max(0, hi));
    const fcOut = g.tensor(fc!.outputs[0]!);
    expect(fcOut).to.include({ name: 'Appended/FC/Output', dtype: 'uint8', isConstant: false });
    expect(fcOut.shape).to.deep.equal([1, 5]); // what FULLY_CONNECTED computes (libcoral declares [1, 1, 1, 5])
    expect(quant(fcOut)).to.deep.include({ scale: oq.scale, zeroPoint: oq.zeroPoint });

    const reshapeOut = g.tensor(reshape!.outputs[0]!);
    expect(reshape!.inputs).to.deep.equal([fcOut.index]);
    expect(reshapeOut).to.include({ name: 'Imprinting/Reshape/Output', dtype: 'uint8', isConstant: false });
    expect(reshapeOut.shape).to.deep.equal([1, 5]);
    expect(quant(reshapeOut)).to.deep.equal(quant(fcOut));
    expect((reshape!.options as { newShape: number[] }).newShape).to.deep.equal([1, 5]);

    const out = g.tensor(softmax!.outputs[0]!);
    expect(out).to.include({ name: 'Imprinting/Softmax/Output', dtype: 'uint8' });
    expect(out.shape).to.deep.equal([1, 5]);
    expect(quant(out)).to.deep.equal({ scale: 1 / 256, zeroPoint: 0, min: 0, max: 1 });
    expect((softmax!.options as { beta: number }).beta).to.equal(1);
    expect(g.outputs).to.deep.equal([out.index]);
    expect(model.description).to.equal(before.description);
  });

  it('the _edgetpu export keeps the custom op byte for byte and has the same CPU tail', function () {
    const original = Model.fromBuffer(edgetpu);
    const fromCpu = Model.fromBuffer(trained.serializeModel(cpu)).subgraph(0);
    const model = Model.fromBuffer(trained.serializeModel(edgetpu));
    const g = model.subgraph(0);
    expect(model.operatorCodes.map((c) => c.op)).to.deep.equal(['edgetpu-custom-op', 'FULLY_CONNECTED', 'RESHAPE', 'SOFTMAX']);
    expect(g.operators.map((o) => o.op)).to.deep.equal(['edgetpu-custom-op', 'FULLY_CONNECTED', 'RESHAPE', 'SOFTMAX']);
    expect(same(model.edgeTpuOperators()[0]!.customOptions, original.edgeTpuOperators()[0]!.customOptions)).to.equal(true);
    expect(g.operators[0]!.inputs).to.deep.equal(original.subgraph(0).operators[0]!.inputs);
    // The tails: same operators, options, and tensors (names, shapes, quantization, data).
    const tail = (sg: typeof g) => sg.operators.slice(-3).map((o) => ({
      op: o.op,
      options: JSON.stringify(o.options),
      tensors: [...o.inputs.slice(1), ...o.outputs].map((t) => {
        const info = sg.tensor(t);
        const data = sg.tensorData(t);
        return { name: info.name, shape: info.shape, dtype: info.dtype, q: quant(info), data: data ? Array.from(data as Uint8Array) : null };
      }),
    }));
    expect(tail(g)).to.deep.equal(tail(fromCpu));
  });

  it('Coral\'s real-extractor check: the export computes softmax([1/3, 2/3, 1] + 10) within 5e-3 in TFLite, and ours gives the same bytes', async function () {
    const random = new SeededRandom(12345);
    const input = Uint8Array.from({ length: 224 * 224 * 3 }, () => random.below(256));
    const embedding = referenceOutput(cpu, input);
    const sum = embedding.reduce((s, v) => s + v, 0);
    const weights = new Float32Array(3 * 1024);
    for (let c = 0; c < 3; c++) weights.fill((c + 1) / (3 * sum), c * 1024, (c + 1) * 1024);
    const logits = [1 / 3 + 10, 2 / 3 + 10, 1 + 10];
    const model = Model.fromBuffer(cpu);
    appendClassifierHead(model, weights, new Float32Array(3).fill(10), Math.min(...logits), Math.max(...logits));
    const bytes = model.toBuffer();
    const expected = logits.map((z) => Math.exp(z)).map((e, _, all) => e / all.reduce((s, v) => s + v, 0));
    const got = referenceOutput(bytes, input);
    for (let c = 0; c < 3; c++) expect(got[c]!, `class ${c}`).to.be.closeTo(expected[c]!, 5e-3);
    const reference = referenceRun(bytes, [input]).outputs[0]!.bytes;
    expect(Array.from(await ourRun(bytes, input))).to.deep.equal(Array.from(reference));
  });

  it('a model trained on real embeddings classifies its images the same after export (TFLite and ours)', async function () {
    const images: Array<[ImprintingImage, number]> = [['cat_train_0', 0], ['cat_test_0', 0], ['dog_train_0', 1], ['dog_test_0', 1], ['hotdog_train_0', 2], ['hotdog_train_1', 2], ['hotdog_test_0', 2]];
    const ctx = this as unknown as Mocha.Context;
    const embeddings = images.map(([name]) => referenceOutput(cpu, imageInput(ctx, name)));
    const model = new SoftmaxRegression({ featureDim: 1024, numClasses: 3, weightScale: 0.05, seed: 1 });
    await model.trainWithSgd({ dataTrain: embeddings, labelsTrain: images.map(([, c]) => c) }, { numIter: 200, learningRate: 0.01, batchSize: 7 });
    expect(model.getAccuracy(embeddings, images.map(([, c]) => c))).to.equal(1);
    const exported = model.serializeModel(cpu);
    for (const [name, label] of images) {
      const input = imageInput(ctx, name);
      const reference = referenceRun(exported, [input]).outputs[0]!.bytes;
      expect(top1(reference).id, name).to.equal(label);
      expect(Array.from(await ourRun(exported, input)), name).to.deep.equal(Array.from(reference));
    }
  });

  it('an untrained model exports a valid model (pycoral only checks that it does not throw; Coral writes scale 0)', function () {
    const model = new SoftmaxRegression({ featureDim: 1024, numClasses: 5, seed: 1 });
    const bytes = model.serializeModel(cpu);
    const fcOut = Model.fromBuffer(bytes).subgraph(0).operators.find((o) => o.op === 'FULLY_CONNECTED')!.outputs[0]!;
    expect(Model.fromBuffer(bytes).subgraph(0).tensor(fcOut).quantization!.scale[0]).to.be.above(0);
    const out = referenceRun(bytes, 'pattern').outputs[0]!;
    expect(out.shape).to.deep.equal([1, 5]);
    expect(out.bytes.reduce((s, v) => s + v, 0)).to.be.within(250, 262); // probabilities sum to about 1
  });

  it('a 2-D embedding gets no RESHAPE', async function () {
    const ctx = this as unknown as Mocha.Context;
    const classifier = Model.fromBuffer(readFileSync(coralFile(ctx, 'mobilenet_v1_0.25_128_quant.tflite')));
    const flat = classifier.subgraph(0).operators.find((o) => o.op === 'RESHAPE')!.outputs[0]!;
    classifier.cutAt(flat);
    const g0 = classifier.subgraph(0);
    const extractor = classifier.toBuffer();
    const dim = Model.fromBuffer(extractor).subgraph(0).outputTensors[0]!.shape;
    expect(dim).to.deep.equal([1, 1001]);
    const model = new SoftmaxRegression({ featureDim: 1001, numClasses: 4, seed: 2 });
    const exported = Model.fromBuffer(model.serializeModel(extractor));
    const g = exported.subgraph(0);
    expect(g.operators.slice(-2).map((o) => o.op)).to.deep.equal(['FULLY_CONNECTED', 'SOFTMAX']);
    expect(g.operators.length).to.equal(g0.operators.length + 2);
    expect(g.outputTensors[0]!.shape).to.deep.equal([1, 4]);
    const bytes = exported.toBuffer();
    const reference = referenceRun(bytes, 'pattern');
    expect(Array.from(await ourRun(bytes, reference.inputs[0]!.bytes))).to.deep.equal(Array.from(reference.outputs[0]!.bytes));
  });

  it('leaves the given Model untouched, and refuses extractors it cannot extend', function () {
    const extractor = Model.fromBuffer(cpu);
    const before = extractor.toBuffer();
    trained.serializeModel(extractor);
    expect(same(extractor.toBuffer(), before)).to.equal(true);

    const twoOutputs = Model.fromBuffer(cpu);
    const g = twoOutputs.subgraph(0);
    g.setOutputs([g.outputs[0]!, g.operators[0]!.outputs[0]!]);
    expect(() => trained.serializeModel(twoOutputs)).to.throw(UnsupportedModelError, 'Model must have one and only one output. Actual: 2.');

    const float = Model.create();
    const fg = float.subgraph(0);
    const t = fg.addTensor({ name: 'x', shape: [1, 1024], dtype: 'float32' });
    fg.setInputs([t]);
    fg.setOutputs([t]);
    expect(() => trained.serializeModel(float)).to.throw(UnsupportedModelError, /uint8/);
  });
});
