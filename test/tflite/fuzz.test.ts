import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { InvalidModelError, Model, fb, summarizeModel } from '../../src/tflite/index.js';
import { coralFile } from '../helpers/data.js';
import { prng, randInt } from '../helpers/prng.js';

/**
 * Mutates real models a few thousand times (fixed seed) and checks that reading each
 * mutant either works or throws InvalidModelError, within a second, and that a mutant
 * that reads also inspects and writes. Mutations aim at the flatbuffer's structure
 * (tables, vtables, offsets, lengths), not at the megabytes of weights where a flipped
 * byte is just another valid weight.
 */

const ITERATIONS_PER_MODEL = 1500;

/** Byte ranges of the big byte vectors (weights, compiled programs) of a parsed model. */
function payloadRanges(bytes: Uint8Array): Array<[number, number]> {
  const model = Model.fromBuffer(bytes);
  const views: Uint8Array[] = [];
  for (let i = 0; i < model.bufferCount; i++) views.push(model.bufferData(i));
  for (const g of model.subgraphs) for (const op of g.operators) views.push(op.customOptions);
  return views.filter((v) => v.length > 64).map((v) => [v.byteOffset - bytes.byteOffset, v.byteOffset - bytes.byteOffset + v.length]);
}

function structuralPositions(bytes: Uint8Array): Int32Array {
  const ranges = payloadRanges(bytes);
  const inPayload = new Uint8Array(bytes.length);
  for (const [a, b] of ranges) inPayload.fill(1, a, b);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) if (!inPayload[i]) out.push(i);
  return Int32Array.from(out);
}

function mutate(original: Uint8Array, positions: Int32Array, rand: () => number): Uint8Array {
  const pick = (): number => positions[randInt(rand, 0, positions.length - 1)]!;
  const kind = randInt(rand, 0, 4);
  if (kind === 0) return original.slice(0, randInt(rand, 0, original.length - 1)); // truncation
  const b = Uint8Array.from(original);
  const view = new DataView(b.buffer);
  if (kind === 1) {
    for (let n = randInt(rand, 1, 8); n > 0; n--) b[pick()] ^= 1 << randInt(rand, 0, 7); // bit flips
  } else if (kind === 2) {
    for (let n = randInt(rand, 1, 4); n > 0; n--) b[pick()] = randInt(rand, 0, 255); // byte overwrites
  } else {
    // a random or boundary 32-bit value where an offset, length or vtable entry may be
    const at = Math.min(pick() & ~3, b.length - 4);
    const values = [randInt(rand, 0, 2 ** 32 - 1), b.length - at, b.length - at + randInt(rand, -8, 8), 0x7fffffff, 0x80000000, randInt(rand, 0, 64)];
    view.setUint32(at, values[randInt(rand, 0, values.length - 1)]! >>> 0, true);
  }
  return b;
}

/** A structure-dense model built with our writer: many small tensors, options, metadata, signatures. */
function denseModel(): Uint8Array {
  const model = Model.create({ description: 'fuzz seed' });
  const g = model.subgraph();
  const input = g.addTensor({ name: 'in', shape: [1, 8, 8, 4], dtype: 'int8', quantization: { scale: [0.05], zeroPoint: [-3] } });
  let x = input;
  for (let i = 0; i < 6; i++) {
    const w = g.addTensor({ name: `w${i}`, shape: [4, 1, 1, 4], dtype: 'int8', data: Int8Array.from({ length: 16 }, (_, k) => k - 8), quantization: { scale: [0.1, 0.2, 0.3, 0.4], zeroPoint: [0, 0, 0, 0], axis: 0 } });
    const bias = g.addTensor({ name: `b${i}`, shape: [4], dtype: 'int32', data: Int32Array.from([1, 2, 3, 4]), quantization: { scale: [0.005, 0.01, 0.015, 0.02], zeroPoint: [0, 0, 0, 0] } });
    const y = g.addTensor({ name: `y${i}`, shape: [1, 8, 8, 4], dtype: 'int8', quantization: { scale: [0.07], zeroPoint: [2] } });
    g.addOperator({ op: 'CONV_2D', inputs: [x, w, bias], outputs: [y], options: new fb.Conv2DOptionsT(fb.Padding.SAME, 1, 1, fb.ActivationFunctionType.RELU) });
    x = y;
  }
  g.setInputs([input]);
  g.setOutputs([x]);
  model.setMetadata('min_runtime_version', new TextEncoder().encode('1.14.0'));
  model.raw.signatureDefs = [new fb.SignatureDefT([new fb.TensorMapT('in', input)], [new fb.TensorMapT('out', x)], 'serving_default', 0)];
  return model.toBuffer();
}

describe('model reader fuzz test', function () {
  this.timeout(300_000);
  const cases: Array<[string, (ctx: Mocha.Context) => Uint8Array]> = [
    ['a structure-dense model of our own', () => denseModel()],
    ['invalid_models/model_invoking_error.tflite', (ctx) => readFileSync(coralFile(ctx, 'invalid_models/model_invoking_error.tflite'))],
    ['mobilenet_v1_0.25_128_quant.tflite', (ctx) => readFileSync(coralFile(ctx, 'mobilenet_v1_0.25_128_quant.tflite'))],
    ['movenet_single_pose_lightning_ptq_edgetpu.tflite', (ctx) => readFileSync(coralFile(ctx, 'movenet_single_pose_lightning_ptq_edgetpu.tflite'))],
  ];
  cases.forEach(([name, load], c) => {
    it(`${ITERATIONS_PER_MODEL} mutants of ${name}`, function () {
      const original = load(this);
      const positions = structuralPositions(original);
      const rand = prng(1000 + c);
      let rejected = 0;
      let slowest = 0;
      for (let i = 0; i < ITERATIONS_PER_MODEL; i++) {
        const mutant = mutate(original, positions, rand);
        const start = performance.now();
        try {
          const model = Model.fromBuffer(mutant);
          summarizeModel(model, { bytes: mutant.length });
          Model.fromBuffer(model.toBuffer());
        } catch (e) {
          if (!(e instanceof InvalidModelError)) {
            throw new Error(`mutant ${i} of ${name} threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`, { cause: e });
          }
          rejected++;
        }
        slowest = Math.max(slowest, performance.now() - start);
      }
      if (process.env.FUZZ_VERBOSE) console.log(`    ${rejected} of ${ITERATIONS_PER_MODEL} rejected, slowest ${slowest.toFixed(1)} ms`);
      expect(slowest, 'slowest mutant (ms)').to.be.below(1000);
      // The mutations must actually reach the checks: a fuzz test that never sees a bad model tests nothing.
      expect(rejected, 'mutants rejected').to.be.above(ITERATIONS_PER_MODEL / 10);
    });
  });
});
