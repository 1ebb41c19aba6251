import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { Interpreter } from '../../src/interpreter/index.js';
import { ClassIdError, InvalidTrainingDataError, NotTrainedError, SampleLimitError, UnsupportedModelError } from '../../src/learn/errors.js';
import { ImprintingEngine } from '../../src/learn/imprinting-engine.js';
import { IMPRINTING_METADATA_NAME, decodeImprintingRecord, parseTrainingMetadata } from '../../src/learn/imprinting-metadata.js';
import { dequantizeValue } from '../../src/learn/quantization.js';
import { Model, fb, type Subgraph, type TensorInfo } from '../../src/tflite/index.js';
import { coralFile } from '../helpers/data.js';
import { referenceRun } from '../helpers/tflite-oracle.js';
import { EXTRACTOR, EXTRACTOR_EDGETPU, IMPRINTING_IMAGES, imageInput, referenceOutput, top1, type ImprintingImage } from './fixtures.js';

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));
const TAIL = ['L2_NORMALIZATION', 'CONV_2D', 'MUL', 'RESHAPE', 'SOFTMAX'];

function quant(t: TensorInfo): { scale: number; zeroPoint: number; min?: number; max?: number } | null {
  const q = t.quantization;
  if (!q) return null;
  return { scale: q.scale[0]!, zeroPoint: q.zeroPoint[0]!, min: q.min?.[0], max: q.max?.[0] };
}

/** Expects `fn` to throw `type` whose Coral reason (or message) contains `text`. */
async function expectRejects(fn: () => unknown, type: new (...args: never[]) => Error, text: string | RegExp): Promise<Error> {
  let error: unknown;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${type.name}`).to.be.instanceOf(type);
  const e = error as Error & { reason?: string };
  if (typeof text === 'string') expect(e.reason ?? e.message).to.include(text);
  else expect(e.message).to.match(text);
  return e;
}

describe('learn: ImprintingEngine', function () {
  let cpu: Uint8Array;
  let edgetpu: Uint8Array;
  /** Embeddings (L2Norm outputs of the fromExtractor tail, by real TFLite) of Coral's photos. */
  const embeddings = new Map<ImprintingImage, Float32Array>();
  const embed = (name: ImprintingImage): Float32Array => embeddings.get(name)!;
  const inputs = new Map<ImprintingImage, Uint8Array>();

  before(async function () {
    const ctx = this as unknown as Mocha.Context;
    cpu = readFileSync(coralFile(ctx, EXTRACTOR));
    edgetpu = readFileSync(coralFile(ctx, EXTRACTOR_EDGETPU));
    const extractor = (await ImprintingEngine.fromExtractor(cpu)).serializeExtractorModel();
    for (const name of IMPRINTING_IMAGES) {
      inputs.set(name, imageInput(ctx, name));
      embeddings.set(name, referenceOutput(extractor, inputs.get(name)!));
    }
  });

  /** Top-1 of an exported CPU model on a photo, in real TFLite. */
  const classify = (model: Uint8Array, name: ImprintingImage): { id: number; score: number } => top1(referenceOutput(model, inputs.get(name)!));

  function expectClassified(model: Uint8Array, expected: Array<[ImprintingImage, number, number?]>): void {
    for (const [name, id, threshold = 0.99] of expected) {
      const got = classify(model, name);
      expect(got.id, `${name} → class`).to.equal(id);
      expect(got.score, `${name} → score`).to.be.above(threshold);
    }
  }

  describe('fromExtractor: the imprinting head on an embedding extractor', function () {
    it('the extractor outputs unit-norm [1, 1, 1, 1024] embeddings', async function () {
      const engine = await ImprintingEngine.fromExtractor(cpu);
      expect(engine.embeddingDim).to.equal(1024);
      expect(engine.numClasses).to.equal(0);
      const extractor = Model.fromBuffer(engine.serializeExtractorModel());
      const out = extractor.subgraph(0).outputTensors[0]!;
      expect(out).to.include({ name: 'Imprinting/L2Norm/Output', dtype: 'uint8' });
      expect(out.shape).to.deep.equal([1, 1, 1, 1024]);
      expect(quant(out)).to.deep.include({ scale: 1 / 128, zeroPoint: 128 });
      expect(extractor.subgraph(0).operators.at(-1)!.op).to.equal('L2_NORMALIZATION');
      for (const name of IMPRINTING_IMAGES) {
        const e = embed(name);
        expect(e.length).to.equal(engine.embeddingDim);
        expect(Math.hypot(...e), name).to.be.closeTo(1, 0.02);
      }
    });

    for (const flavour of ['cpu', 'edgetpu'] as const) {
      it(`exports Coral's tail with Coral's shapes and quantization (${flavour})`, async function () {
        const source = flavour === 'cpu' ? cpu : edgetpu;
        const engine = await ImprintingEngine.fromExtractor(source, { scale: 25 });
        engine.train(embed('cat_train_0'), 0);
        engine.train(embed('dog_train_0'), 1);
        engine.train(embed('hotdog_train_0'), 2);
        engine.train(embed('hotdog_train_1'), 2);
        const model = Model.fromBuffer(engine.serializeModel());
        const g = model.subgraph(0);
        const ops = g.operators;
        const base = Model.fromBuffer(source).subgraph(0).operators.length;
        expect(ops.map((o) => o.op).slice(base)).to.deep.equal(TAIL);
        expect(ops.length).to.equal(base + 5);
        const [, conv, mul, reshape, softmax] = ops.slice(-5);

        const kernel = g.tensor(conv!.inputs[1]!);
        expect(kernel.shape).to.deep.equal([3, 1, 1, 1024]);
        expect(kernel.dtype).to.equal('uint8');
        const bias = g.tensor(conv!.inputs[2]!);
        expect(bias.shape).to.deep.equal([3]);
        expect(Array.from(g.tensorData(bias.index) as Int32Array)).to.deep.equal([0, 0, 0]);
        expect(quant(g.tensor(conv!.outputs[0]!))).to.deep.equal({ scale: 1 / 128, zeroPoint: 128, min: -1, max: 1 });
        expect(g.tensor(conv!.outputs[0]!).shape).to.deep.equal([1, 1, 1, 3]);

        const factor = g.tensor(mul!.inputs[1]!);
        const s = dequantizeValue((g.tensorData(factor.index) as Uint8Array)[0]!, factor.quantization!.scale[0]!, factor.quantization!.zeroPoint[0]!);
        expect(s).to.equal(25);
        const logitQ = { scale: Math.fround(25 / 128), zeroPoint: 128, min: -25, max: 25 };
        expect(quant(g.tensor(mul!.outputs[0]!))).to.deep.equal(logitQ);
        expect(quant(g.tensor(reshape!.outputs[0]!))).to.deep.equal(logitQ);
        expect(g.tensor(reshape!.outputs[0]!).shape).to.deep.equal([1, 3]);
        expect(Array.from(g.tensorData(reshape!.inputs[1]!) as Int32Array)).to.deep.equal([1, 3]);
        expect((reshape!.options as fb.ReshapeOptionsT).newShape).to.deep.equal([1, 3]);
        const out = g.tensor(softmax!.outputs[0]!);
        expect(out.shape).to.deep.equal([1, 3]);
        expect(quant(out)).to.deep.equal({ scale: 1 / 256, zeroPoint: 0, min: 0, max: 1 });
        expect(g.outputs).to.deep.equal([out.index]);
        // Each row is the normalized, quantized sum of its class's embeddings.
        const rows = g.tensorData(kernel.index) as Uint8Array;
        const hotdog = embed('hotdog_train_0').map((v, i) => v + embed('hotdog_train_1')[i]!);
        const norm = Math.hypot(...hotdog);
        for (let d = 0; d < 1024; d++) expect(rows[2 * 1024 + d]! - 128).to.be.closeTo((hotdog[d]! / norm) * 128, 0.5 + 1e-3);
        expect(parseTrainingMetadata(model.description).size).to.equal(3);
      });
    }

    it('the _edgetpu export keeps the custom op byte for byte and has the same tail as the CPU export', async function () {
      const train = (e: ImprintingEngine): Uint8Array => {
        e.train(embed('cat_train_0'), 0);
        e.train(embed('dog_train_0'), 1);
        return e.serializeModel();
      };
      const fromCpu = Model.fromBuffer(train(await ImprintingEngine.fromExtractor(cpu))).subgraph(0);
      const model = Model.fromBuffer(train(await ImprintingEngine.fromExtractor(edgetpu)));
      expect(same(model.edgeTpuOperators()[0]!.customOptions, Model.fromBuffer(edgetpu).edgeTpuOperators()[0]!.customOptions)).to.equal(true);
      const tail = (g: Subgraph) =>
        g.operators.slice(-5).map((o) => ({
          op: o.op,
          options: JSON.stringify(o.options),
          tensors: [...o.inputs.slice(1), ...o.outputs].map((t) => {
            const info = g.tensor(t);
            const data = g.tensorData(t);
            return { name: info.name, shape: info.shape, q: quant(info), data: data ? Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex') : null };
          }),
        }));
      expect(tail(model.subgraph(0))).to.deep.equal(tail(fromCpu));
      const extractor = Model.fromBuffer((await ImprintingEngine.create(model.toBuffer())).serializeExtractorModel());
      expect(extractor.subgraph(0).operators.map((o) => o.op)).to.deep.equal(['edgetpu-custom-op', 'L2_NORMALIZATION']);
    });

    it('centering subtracts the mean embedding (a SUB before the L2Norm) and still classifies', async function () {
      const raw = IMPRINTING_IMAGES.map((name) => referenceOutput(cpu, inputs.get(name)!));
      const mean = new Float32Array(1024);
      for (const e of raw) for (let d = 0; d < 1024; d++) mean[d] = mean[d]! + e[d]! / raw.length;
      const engine = await ImprintingEngine.fromExtractor(cpu, { center: mean, scale: 30 });
      const extractor = engine.serializeExtractorModel();
      expect(Model.fromBuffer(extractor).subgraph(0).operators.slice(-2).map((o) => o.op)).to.deep.equal(['SUB', 'L2_NORMALIZATION']);
      const centered = (name: ImprintingImage): Float32Array => referenceOutput(extractor, inputs.get(name)!);
      // The extractor's output is normalize(e − mean), up to quantization.
      const e = raw[0]!.map((v, d) => v - mean[d]!);
      const n = Math.hypot(...e);
      const got = centered('cat_train_0');
      let dot = 0;
      for (let d = 0; d < 1024; d++) dot += (got[d]! * e[d]!) / n;
      expect(dot).to.be.above(0.99);
      engine.train(centered('cat_train_0'), 0);
      engine.train(centered('dog_train_0'), 1);
      engine.train(centered('hotdog_train_0'), 2);
      engine.train(centered('hotdog_train_1'), 2);
      expectClassified(engine.serializeModel(), [['cat_test_0', 0], ['dog_test_0', 1], ['hotdog_test_0', 2]]);
    });
  });

  describe('Coral\'s training tests on real photos (CPU model, real TFLite)', function () {
    it('not keeping classes: cat → 0, dog → 1, hotdog (2 photos) → 2; every photo > 0.99 (pycoral)', async function () {
      const engine = await ImprintingEngine.fromExtractor(cpu);
      engine.train(embed('cat_train_0'), 0);
      engine.train(embed('dog_train_0'), 1);
      engine.train(embed('hotdog_train_0'), 2);
      engine.train(embed('hotdog_train_1'), 2);
      expect(engine.numClasses).to.equal(3);
      const model = engine.serializeModel();
      const out = Model.fromBuffer(model).subgraph(0).outputTensors;
      expect(out.length).to.equal(1);
      expect(out[0]!.shape).to.deep.equal([1, 3]);
      expectClassified(model, [['cat_train_0', 0], ['cat_test_0', 0], ['dog_train_0', 1], ['dog_test_0', 1], ['hotdog_train_0', 2], ['hotdog_train_1', 2], ['hotdog_test_0', 2]]);
    });

    it('libcoral\'s order: cat → 0, hotdog (2 photos) → 1, dog → 2', async function () {
      const engine = await ImprintingEngine.fromExtractor(cpu);
      engine.train(embed('cat_train_0'), 0);
      engine.train(embed('hotdog_train_0'), 1);
      engine.train(embed('hotdog_train_1'), 1);
      engine.train(embed('dog_train_0'), 2);
      expectClassified(engine.serializeModel(), [['cat_train_0', 0], ['cat_test_0', 0], ['hotdog_train_0', 1], ['hotdog_test_0', 1], ['dog_train_0', 2], ['dog_test_0', 2]]);
    });

    it('incremental: cat → 0, save, resume with keepClasses, dog → 1, hotdog → 2 (pycoral)', async function () {
      const first = await ImprintingEngine.fromExtractor(cpu);
      first.train(embed('cat_train_0'), 0);
      const resumed = await ImprintingEngine.create(first.serializeModel(), { keepClasses: true });
      expect(resumed.numClasses).to.equal(1);
      resumed.train(embed('dog_train_0'), 1);
      resumed.train(embed('hotdog_train_0'), 2);
      resumed.train(embed('hotdog_train_1'), 2);
      expectClassified(resumed.serializeModel(), [['cat_test_0', 0], ['dog_test_0', 1], ['hotdog_test_0', 2]]);
    });

    it('incremental, retraining a class: cat → 0, hotdog_0 → 1, save, resume, hotdog_1 → 1, dog → 2 (libcoral)', async function () {
      const first = await ImprintingEngine.fromExtractor(cpu);
      first.train(embed('cat_train_0'), 0);
      first.train(embed('hotdog_train_0'), 1);
      const resumed = await ImprintingEngine.create(first.serializeModel(), { keepClasses: true });
      resumed.train(embed('hotdog_train_1'), 1);
      resumed.train(embed('dog_train_0'), 2);
      expect(resumed.sampleCount(1)).to.equal(2);
      expectClassified(resumed.serializeModel(), [['cat_train_0', 0], ['cat_test_0', 0], ['hotdog_train_0', 1], ['hotdog_train_1', 1], ['hotdog_test_0', 1], ['dog_train_0', 2], ['dog_test_0', 2]]);
    });

    it('reloading without keepClasses starts over: hotdog → 0, dog → 1 (libcoral)', async function () {
      const first = await ImprintingEngine.fromExtractor(cpu);
      first.train(embed('cat_train_0'), 0);
      first.train(embed('hotdog_train_0'), 1);
      const again = await ImprintingEngine.create(first.serializeModel());
      expect(again.numClasses).to.equal(0);
      again.train(embed('hotdog_train_0'), 0);
      again.train(embed('dog_train_0'), 1);
      expectClassified(again.serializeModel(), [['hotdog_train_0', 0], ['dog_train_0', 1], ['hotdog_test_0', 0], ['dog_test_0', 1]]);
    });

    it('a resumed model equals one trained in one go (same rows up to 1 LSB, same norms)', async function () {
      const once = await ImprintingEngine.fromExtractor(cpu);
      const split = await ImprintingEngine.fromExtractor(cpu);
      for (const e of [once, split]) {
        e.train(embed('cat_train_0'), 0);
        e.train(embed('hotdog_train_0'), 1);
      }
      once.train(embed('hotdog_train_1'), 1);
      const resumed = await ImprintingEngine.create(split.serializeModel(), { keepClasses: true });
      resumed.train(embed('hotdog_train_1'), 1);
      const a = Model.fromBuffer(once.serializeModel());
      const b = Model.fromBuffer(resumed.serializeModel());
      const rows = (m: Model): Uint8Array => m.subgraph(0).tensorData(m.subgraph(0).operators.at(-4)!.inputs[1]!) as Uint8Array;
      const ra = rows(a);
      const rb = rows(b);
      for (let i = 0; i < ra.length; i++) expect(Math.abs(ra[i]! - rb[i]!)).to.be.at.most(1);
      const na = parseTrainingMetadata(a.description);
      const nb = parseTrainingMetadata(b.description);
      expect(nb.get(0)).to.equal(na.get(0));
      expect(nb.get(1)!).to.be.closeTo(na.get(1)!, 0.01);
    });
  });

  describe('classes, ids and metadata', function () {
    it('keepClasses: a fresh engine has 0 classes, a trained model\'s are kept (TestKeepClassesForTrainedModel)', async function () {
      const engine = await ImprintingEngine.fromExtractor(cpu);
      engine.train(embed('cat_train_0'), 0);
      engine.train(embed('hotdog_train_0'), 1);
      engine.train(embed('hotdog_train_0'), 1);
      const model = engine.serializeModel();
      expect((await ImprintingEngine.create(model)).numClasses).to.equal(0);
      const kept = await ImprintingEngine.create(model, { keepClasses: true });
      expect(kept.numClasses).to.equal(2);
      expect([kept.sampleCount(0), kept.sampleCount(1)]).to.deep.equal([1, 2]);
      // The extractor is the same whatever keepClasses says.
      expect(same(kept.serializeExtractorModel(), (await ImprintingEngine.create(model)).serializeExtractorModel())).to.equal(true);
    });

    it('writes pycoral\'s description ("id norm" lines; one photo ≈ 1, the same photo twice ≈ 2) and our sample counts', async function () {
      const engine = await ImprintingEngine.fromExtractor(cpu);
      engine.train(embed('cat_train_0'), 0);
      engine.train(embed('hotdog_train_0'), 1);
      engine.train(embed('hotdog_train_0'), 1);
      const model = Model.fromBuffer(engine.serializeModel());
      expect(model.description).to.match(/^0 \d+\.\d{6}\n1 \d+\.\d{6}\n$/);
      const norms = parseTrainingMetadata(model.description);
      expect(norms.get(0)!).to.be.closeTo(1, 0.05);
      expect(norms.get(1)!).to.be.closeTo(2, 0.05);
      const record = decodeImprintingRecord(model.getMetadata(IMPRINTING_METADATA_NAME))!;
      expect(record).to.deep.include({ embeddingDim: 1024, maxSamplesPerClass: 200 });
      expect(record.classes).to.deep.equal({
        '0': { samples: 1, norm: model.description.split('\n')[0]!.split(' ')[1] },
        '1': { samples: 2, norm: model.description.split('\n')[1]!.split(' ')[1] },
      });
    });

    it('new classes take the next id only; negative and fractional ids are refused', async function () {
      const engine = await ImprintingEngine.fromExtractor(cpu);
      await expectRejects(() => engine.train(embed('cat_train_0'), 1), ClassIdError, 'The class index of a new category is too large!');
      await expectRejects(() => engine.train(embed('cat_train_0'), -1), ClassIdError, /non-negative integer/);
      await expectRejects(() => engine.train(embed('cat_train_0'), 0.5), ClassIdError, /non-negative integer/);
      expect(engine.numClasses).to.equal(0);
      engine.train(embed('cat_train_0'), 0);
      engine.train(embed('cat_test_0'), 0); // an imprinted class can be trained again
      await expectRejects(() => engine.train(embed('dog_train_0'), 2), ClassIdError, 'too large');
      expect(engine.isTrainable(1)).to.equal(true);
      expect(engine.isTrainable(2)).to.equal(false);
    });

    it('base classes (rows not in the description) are kept byte for byte and cannot be trained', async function () {
      const engine = await ImprintingEngine.fromExtractor(cpu);
      engine.train(embed('cat_train_0'), 0);
      engine.train(embed('dog_train_0'), 1);
      engine.train(embed('hotdog_train_0'), 2);
      const base = Model.fromBuffer(engine.serializeModel());
      base.setDescription('MLIR Converted.'); // what a converter writes: no imprinted classes
      const kept = await ImprintingEngine.create(base.toBuffer(), { keepClasses: true });
      expect(kept.numClasses).to.equal(3);
      const err = await expectRejects(() => kept.train(embed('cat_test_0'), 1), ClassIdError, 'Cannot change the base model classes not trained with imprinting method!');
      expect((err as ClassIdError).code).to.equal('INVALID_CLASS_ID');
      await expectRejects(() => kept.train(embed('cat_test_0'), 4), ClassIdError, 'The class index of a new category is too large!');
      kept.train(embed('hotdog_train_1'), 3);
      const out = Model.fromBuffer(kept.serializeModel());
      expect(out.description).to.match(/^3 \d+\.\d{6}\n$/);
      const rows = (m: Model): Uint8Array => m.subgraph(0).tensorData(m.subgraph(0).operators.at(-4)!.inputs[1]!) as Uint8Array;
      expect(same(rows(out).subarray(0, 3 * 1024), rows(base))).to.equal(true);
      // Classes 0-2 are base classes, 3 the new one: photos still go where they belong.
      expectClassified(out.toBuffer(), [['cat_test_0', 0], ['dog_test_0', 1], ['hotdog_train_1', 3]]);
    });

    it('saving without changes writes the same rows and description (nothing drifts)', async function () {
      const engine = await ImprintingEngine.fromExtractor(cpu);
      engine.train(embed('cat_train_0'), 0);
      engine.train(embed('dog_train_0'), 1);
      const first = engine.serializeModel();
      const second = (await ImprintingEngine.create(first, { keepClasses: true })).serializeModel();
      expect(same(second, first)).to.equal(true);
    });

    it('refuses to export an untrained engine, and embeddings of the wrong size or with NaN', async function () {
      const engine = await ImprintingEngine.fromExtractor(cpu);
      await expectRejects(() => engine.serializeModel(), NotTrainedError, /Model is not trained\./);
      await expectRejects(() => engine.train(new Float32Array(10), 0), InvalidTrainingDataError, /Invalid number of weights/);
      const bad = embed('cat_train_0').slice();
      bad[5] = Number.NaN;
      await expectRejects(() => engine.train(bad, 0), InvalidTrainingDataError, /finite/);
      expect(engine.numClasses).to.equal(0);
    });
  });

  describe('the per-class sample limit', function () {
    it('a class takes 200 samples by default; the 201st throws and changes nothing', async function () {
      const engine = await ImprintingEngine.fromExtractor(cpu);
      expect(engine.maxSamplesPerClass).to.equal(200);
      for (let i = 0; i < 200; i++) engine.train(embed('cat_train_0'), 0);
      const before = engine.serializeModel();
      const err = (await expectRejects(() => engine.train(embed('cat_test_0'), 0), SampleLimitError, /already has 200 training samples/)) as SampleLimitError;
      expect(err).to.include({ code: 'SAMPLE_LIMIT', classId: 0, limit: 200 });
      expect(engine.sampleCount(0)).to.equal(200);
      expect(same(engine.serializeModel(), before)).to.equal(true);
      engine.train(embed('dog_train_0'), 1); // other classes are not affected
    });

    it('holds across save and resume, with the limit the model was saved with', async function () {
      const engine = await ImprintingEngine.fromExtractor(cpu, { maxSamplesPerClass: 3 });
      for (let i = 0; i < 3; i++) engine.train(embed('cat_train_0'), 0);
      engine.train(embed('dog_train_0'), 1);
      await expectRejects(() => engine.train(embed('cat_train_0'), 0), SampleLimitError, /already has 3/);
      const resumed = await ImprintingEngine.create(engine.serializeModel(), { keepClasses: true });
      expect(resumed.maxSamplesPerClass).to.equal(3);
      expect([resumed.sampleCount(0), resumed.sampleCount(1)]).to.deep.equal([3, 1]);
      await expectRejects(() => resumed.train(embed('cat_test_0'), 0), SampleLimitError, /already has 3/);
      resumed.train(embed('dog_test_0'), 1);
      resumed.train(embed('dog_test_0'), 1);
      await expectRejects(() => resumed.train(embed('dog_test_0'), 1), SampleLimitError, /already has 3/);
      // An explicit option wins; Infinity removes the limit (and is saved as no limit).
      const unlimited = await ImprintingEngine.create(engine.serializeModel(), { keepClasses: true, maxSamplesPerClass: Infinity });
      unlimited.train(embed('cat_test_0'), 0);
      expect((await ImprintingEngine.create(unlimited.serializeModel())).maxSamplesPerClass).to.equal(Infinity);
    });

    it('without our record (a model imprinted by pycoral), counts are estimated from the norms', async function () {
      const engine = await ImprintingEngine.fromExtractor(cpu);
      for (let i = 0; i < 5; i++) engine.train(embed('hotdog_train_0'), 0);
      engine.train(embed('cat_train_0'), 1);
      const model = Model.fromBuffer(engine.serializeModel());
      model.raw.metadata = model.raw.metadata.filter((m) => m.name !== IMPRINTING_METADATA_NAME);
      const resumed = await ImprintingEngine.create(model.toBuffer(), { keepClasses: true, maxSamplesPerClass: 6 });
      expect([resumed.sampleCount(0), resumed.sampleCount(1)]).to.deep.equal([5, 1]);
      resumed.train(embed('hotdog_train_1'), 0);
      await expectRejects(() => resumed.train(embed('hotdog_train_1'), 0), SampleLimitError, /already has 6/);
      // A record left stale by a tool that rewrote the description is not trusted.
      const stale = Model.fromBuffer(engine.serializeModel());
      stale.setDescription('0 5.000000\n1 3.000000\n');
      const fromStale = await ImprintingEngine.create(stale.toBuffer(), { keepClasses: true });
      expect([fromStale.sampleCount(0), fromStale.sampleCount(1)]).to.deep.equal([5, 3]);
    });

    it('rejects a limit that is not a positive integer', async function () {
      let error: unknown;
      await ImprintingEngine.fromExtractor(cpu, { maxSamplesPerClass: 0 }).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(RangeError);
    });
  });

  describe('model validation (libcoral\'s rules and messages)', function () {
    let valid: Uint8Array;
    before(async function () {
      const engine = await ImprintingEngine.fromExtractor(cpu);
      engine.train(embed('cat_train_0'), 0);
      engine.train(embed('dog_train_0'), 1);
      valid = engine.serializeModel();
    });

    /** A copy of the valid model with one edit. */
    const edited = (edit: (m: Model, g: Subgraph, ops: ReturnType<Subgraph['operators']['slice']>) => void): Uint8Array => {
      const m = Model.fromBuffer(valid);
      const g = m.subgraph(0);
      edit(m, g, g.operators);
      return m.toBuffer();
    };

    it('accepts the models it exports', async function () {
      const engine = await ImprintingEngine.create(valid, { keepClasses: true });
      expect(engine.numClasses).to.equal(2);
      expect(engine.scale).to.equal(30);
    });

    it('a classifier without L2Norm', async function () {
      const classifier = readFileSync(coralFile(this, 'mobilenet_v2_1.0_224_quant.tflite'));
      const e = await expectRejects(() => ImprintingEngine.create(classifier), UnsupportedModelError, 'Unsupported model architecture. Input model must have an L2Norm layer.');
      expect(e.message).to.include('fromExtractor');
      await expectRejects(() => ImprintingEngine.create(cpu), UnsupportedModelError, 'must have an L2Norm layer');
    });

    it('a tail that is not Conv2d, Mul, Reshape, Softmax', async function () {
      const bad = edited((m, g, ops) => {
        g.raw.operators[ops.length - 3]!.opcodeIndex = m.addOperatorCode('ADD');
      });
      await expectRejects(() => ImprintingEngine.create(bad), UnsupportedModelError, 'The last 4 operators must be Conv2d, Mul, Reshape, Softmax');
    });

    it('an operator other than QUANTIZE between L2Norm and the Conv2d, or two L2Norms', async function () {
      const rule = 'Unsupported model architecture. L2Norm operator must be followed with the last Conv2d operator.';
      // A second L2Norm: libcoral's single-operator lookup fails.
      const twice = edited((m, g, ops) => {
        const l2 = ops.at(-5)!;
        const extra = g.addTensor({ name: 'extra', shape: [1, 1, 1, 1024], dtype: 'uint8', quantization: { scale: [1 / 128], zeroPoint: [128] } });
        g.addOperator({ op: 'L2_NORMALIZATION', inputs: [l2.outputs[0]!], outputs: [extra], options: new fb.L2NormOptionsT() });
        const added = g.raw.operators.pop()!;
        g.raw.operators.splice(0, 0, added);
      });
      await expectRejects(() => ImprintingEngine.create(twice), UnsupportedModelError, rule);
      // A QUANTIZE in between is tolerated (MLIR-converted models have one), anything else is not.
      const withOp = (op: string): Uint8Array =>
        edited((m, g, ops) => {
          const l2 = ops.at(-5)!;
          const conv = ops.at(-4)!;
          const mid = g.addTensor({ name: 'requantized', shape: [1, 1, 1, 1024], dtype: 'uint8', quantization: { scale: [1 / 128], zeroPoint: [128] } });
          g.addOperator({ op, inputs: [l2.outputs[0]!], outputs: [mid] });
          const added = g.raw.operators.pop()!;
          g.raw.operators.splice(conv.index, 0, added);
          g.raw.operators[conv.index + 1]!.inputs[0] = mid;
        });
      const engine = await ImprintingEngine.create(withOp('QUANTIZE'), { keepClasses: true });
      expect(engine.numClasses).to.equal(2);
      expect(referenceRun(engine.serializeModel(), [inputs.get('cat_test_0')!]).outputs[0]!.bytes.length).to.equal(2);
      await expectRejects(() => ImprintingEngine.create(withOp('RELU')), UnsupportedModelError, rule);
    });

    it('an embedding that is not [1, 1, 1, x]', async function () {
      const bad = edited((m, g, ops) => g.setTensorShape(ops.at(-5)!.outputs[0]!, [1, 1024]));
      await expectRejects(() => ImprintingEngine.create(bad), UnsupportedModelError, "Embedding extractor's output tensor should be [1, 1, 1, x]");
    });

    it('a bias zero point outside [0, 255]', async function () {
      const bad = edited((m, g, ops) => {
        const bias = ops.at(-4)!.inputs[2]!;
        g.raw.tensors[bias]!.quantization!.zeroPoint = [300n];
      });
      await expectRejects(() => ImprintingEngine.create(bad), UnsupportedModelError, 'bias_zero_point is out of [0, 255] range!');
    });

    it('a softmax output that is not [1, x], or a graph that does not output only the softmax', async function () {
      const shape = edited((m, g, ops) => g.setTensorShape(ops.at(-1)!.outputs[0]!, [1, 1, 2]));
      await expectRejects(() => ImprintingEngine.create(shape), UnsupportedModelError, 'Logit output tensor should be [1, x]');
      const outputs = edited((m, g, ops) => g.setOutputs([ops.at(-1)!.outputs[0]!, ops.at(-5)!.outputs[0]!]));
      await expectRejects(() => ImprintingEngine.create(outputs), UnsupportedModelError, 'Graph must have output from Softmax');
    });

    it('what libcoral does not check: a per-channel or non-uint8 kernel, a non-constant Mul factor', async function () {
      const perChannel = edited((m, g, ops) => {
        const kernel = ops.at(-4)!.inputs[1]!;
        g.setTensorQuantization(kernel, { scale: [1 / 128, 1 / 128], zeroPoint: [128, 128], axis: 0 });
      });
      await expectRejects(() => ImprintingEngine.create(perChannel), UnsupportedModelError, /one quantization scale/);
      const variableFactor = edited((m, g, ops) => {
        const t = g.addTensor({ name: 'factor', shape: [1], dtype: 'uint8', quantization: { scale: [1], zeroPoint: [0] } });
        g.raw.operators[ops.length - 3]!.inputs[1] = t;
      });
      await expectRejects(() => ImprintingEngine.create(variableFactor), UnsupportedModelError, /constant uint8 scale factor/);
    });
  });

  describe('our interpreter on the exported models', function () {
    it('gives the bytes real TFLite gives (extractor and classifier, real photos)', async function () {
      const engine = await ImprintingEngine.fromExtractor(cpu);
      engine.train(embed('cat_train_0'), 0);
      engine.train(embed('dog_train_0'), 1);
      engine.train(embed('hotdog_train_0'), 2);
      // And a centered head (SUB before the L2Norm).
      const centered = await ImprintingEngine.fromExtractor(cpu, { center: new Float32Array(1024).fill(0.2) });
      centered.train(embed('cat_train_0'), 0);
      centered.train(embed('dog_train_0'), 1);
      for (const model of [engine.serializeExtractorModel(), engine.serializeModel(), centered.serializeExtractorModel(), centered.serializeModel()]) {
        const interpreter = await Interpreter.create(model);
        try {
          for (const name of IMPRINTING_IMAGES) {
            const [ours] = await interpreter.run([inputs.get(name)!]);
            expect(Array.from(ours as Uint8Array), name).to.deep.equal(Array.from(referenceRun(model, [inputs.get(name)!]).outputs[0]!.bytes));
          }
        } finally {
          await interpreter.close();
        }
      }
    });
  });
});
