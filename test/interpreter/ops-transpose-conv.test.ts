import { expect } from 'chai';
import { fb, type DType } from '../../src/tflite/index.js';
import { prng, randInt } from '../helpers/prng.js';
import { singleOpModel, type OpTensor, type SingleOpSpec } from '../helpers/single-op-model.js';
import { referenceRun } from '../helpers/tflite-oracle.js';
import { expectBothReject, expectSameAsTflite, randomInput, runOurs } from './conformance.js';

type Rand = () => number;

interface Case {
  dtype: 'uint8' | 'int8' | 'float32';
  batches: number;
  inH: number;
  inW: number;
  inC: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padding: fb.Padding;
  withBias: boolean;
  /** Output scale = s_in·s_w·2^k: exact power-of-two multipliers make rounding ties. */
  powerOfTwoScale: boolean;
}

function randomCase(rand: Rand, dtype: Case['dtype']): Case {
  return {
    dtype,
    batches: randInt(rand, 1, 2),
    inH: randInt(rand, 1, 6),
    inW: randInt(rand, 1, 6),
    inC: randInt(rand, 1, 5),
    outC: randInt(rand, 1, 12),
    kH: randInt(rand, 1, 4),
    kW: randInt(rand, 1, 4),
    strideH: randInt(rand, 1, 3),
    strideW: randInt(rand, 1, 3),
    padding: rand() < 0.5 ? fb.Padding.SAME : fb.Padding.VALID,
    withBias: rand() < 0.6,
    powerOfTwoScale: rand() < 0.4,
  };
}

/** The model and its input bytes; weights, bias and scales are random but fixed by the seed. */
function buildCase(rand: Rand, c: Case, activation = fb.ActivationFunctionType.NONE): { spec: SingleOpSpec; inputs: Uint8Array[] } {
  const outH = c.padding === fb.Padding.SAME ? c.inH * c.strideH : (c.inH - 1) * c.strideH + c.kH;
  const outW = c.padding === fb.Padding.SAME ? c.inW * c.strideW : (c.inW - 1) * c.strideW + c.kW;
  const wShape = [c.outC, c.kH, c.kW, c.inC];
  const wCount = wShape.reduce((a, d) => a * d, 1);
  const inShape = [c.batches, c.inH, c.inW, c.inC];
  const outShape = [c.batches, outH, outW, c.outC];
  const options = new fb.TransposeConvOptionsT(c.padding, c.strideW, c.strideH, activation);
  const outputShape: OpTensor = { shape: [4], dtype: 'int32', data: Int32Array.from(outShape) };

  if (c.dtype === 'float32') {
    // Small integers: every sum is exact in float32, whatever order TFLite adds in.
    const ints = (n: number, r: number): Float32Array => Float32Array.from({ length: n }, () => randInt(rand, -r, r));
    const inputs: Array<OpTensor | null> = [outputShape, { shape: wShape, dtype: 'float32', data: ints(wCount, 8) }, { shape: inShape, dtype: 'float32' }];
    if (c.withBias) inputs.push({ shape: [c.outC], dtype: 'float32', data: ints(c.outC, 100) });
    const x = ints(inShape.reduce((a, d) => a * d, 1), 20);
    return { spec: { op: 'TRANSPOSE_CONV', inputs, outputs: [{ shape: outShape, dtype: 'float32' }], options }, inputs: [new Uint8Array(x.buffer)] };
  }

  const inScale = 0.005 + rand() * 0.05;
  const inZeroPoint = c.dtype === 'uint8' ? randInt(rand, 0, 255) : randInt(rand, -128, 127);
  let weights: OpTensor;
  let weightScales: number[];
  if (c.dtype === 'uint8') {
    weightScales = [0.002 + rand() * 0.02];
    weights = { shape: wShape, dtype: 'uint8', quant: { scale: weightScales[0]!, zeroPoint: randInt(rand, 0, 255) }, data: Uint8Array.from({ length: wCount }, () => randInt(rand, 0, 255)) };
  } else {
    weightScales = Array.from({ length: c.outC }, () => 0.002 + rand() * 0.02);
    weights = { shape: wShape, dtype: 'int8', quant: { scale: weightScales, zeroPoint: weightScales.map(() => 0), axis: 0 }, data: Int8Array.from({ length: wCount }, () => randInt(rand, -127, 127)) };
  }
  const accScale = Math.fround(inScale) * Math.fround(weightScales[0]!);
  const outScale = c.powerOfTwoScale ? accScale * 2 ** randInt(rand, 2, 9) : accScale * (20 + rand() * 400);
  const inputs: Array<OpTensor | null> = [outputShape, weights, { shape: inShape, dtype: c.dtype, quant: { scale: inScale, zeroPoint: inZeroPoint } }];
  if (c.withBias) {
    const biasScales = weightScales.map((s) => Math.fround(inScale) * Math.fround(s));
    inputs.push({ shape: [c.outC], dtype: 'int32', quant: { scale: biasScales, zeroPoint: biasScales.map(() => 0), axis: 0 }, data: Int32Array.from({ length: c.outC }, () => randInt(rand, -20000, 20000)) });
  }
  const outZeroPoint = c.dtype === 'uint8' ? randInt(rand, 0, 255) : randInt(rand, -128, 127);
  return {
    spec: { op: 'TRANSPOSE_CONV', inputs, outputs: [{ shape: outShape, dtype: c.dtype, quant: { scale: outScale, zeroPoint: outZeroPoint } }], options },
    inputs: [randomInput(rand, c.dtype, inShape)],
  };
}

const describeCase = (c: Case): string =>
  `${c.dtype} [${c.batches},${c.inH},${c.inW},${c.inC}] ${c.outC}×${c.kH}×${c.kW} stride ${c.strideH}×${c.strideW} ${c.padding === fb.Padding.SAME ? 'SAME' : 'VALID'}${c.withBias ? ' +bias' : ''}${c.powerOfTwoScale ? ' (ties)' : ''}`;

describe('TRANSPOSE_CONV matches TFLite 2.9 byte for byte', () => {
  for (const dtype of ['uint8', 'int8'] as const) {
    it(`${dtype}: 80 random geometries (SAME/VALID, strides 1-3, kernels 1-4, with and without bias)`, () => {
      const rand = prng(dtype === 'uint8' ? 301 : 302);
      for (let n = 0; n < 80; n++) {
        const c = randomCase(rand, dtype);
        const { spec, inputs } = buildCase(rand, c);
        expectSameAsTflite(spec, inputs, describeCase(c));
      }
    });
  }

  it('float32 with exactly representable sums', () => {
    const rand = prng(303);
    for (let n = 0; n < 40; n++) {
      const c = randomCase(rand, 'float32');
      const { spec, inputs } = buildCase(rand, c);
      expectSameAsTflite(spec, inputs, describeCase(c));
    }
  });

  it('a fused RELU clamps what TFLite computes without it (TFLite 2.9 has no such option)', () => {
    const rand = prng(304);
    for (const dtype of ['uint8', 'int8'] as const) {
      for (let n = 0; n < 10; n++) {
        const c = randomCase(rand, dtype);
        const seed = randInt(rand, 1, 1e6);
        const plain = buildCase(prng(seed), c, fb.ActivationFunctionType.NONE);
        const relu = buildCase(prng(seed), c, fb.ActivationFunctionType.RELU);
        const zeroPoint = plain.spec.outputs[0]!.quant!.zeroPoint as number;
        const theirs = referenceRun(singleOpModel(plain.spec), plain.inputs).outputs[0]!.bytes;
        const clamped = dtype === 'uint8' ? theirs.map((v) => Math.max(v, zeroPoint)) : new Uint8Array(Int8Array.from(new Int8Array(theirs.buffer), (v) => Math.max(v, zeroPoint)).buffer);
        expect(runOurs(singleOpModel(relu.spec), relu.inputs)[0]).to.deep.equal(clamped);
      }
    }
  });

  it('int8 weights with non-zero zero points: ignored, as TFLite ignores them', () => {
    const rand = prng(305);
    const { spec, inputs } = buildCase(rand, { ...randomCase(rand, 'int8'), outC: 2 });
    const w = spec.inputs[1]!;
    w.quant = { scale: w.quant!.scale, zeroPoint: [5, -3], axis: 0 };
    expectSameAsTflite(spec, inputs);
  });

  it('rejects int16 input with a non-zero zero point, as TFLite does (int16 is not supported here at all)', async () => {
    const rand = prng(306);
    const { spec } = buildCase(rand, { ...randomCase(rand, 'int8'), withBias: false });
    spec.inputs[2]!.dtype = 'int16';
    spec.inputs[2]!.quant = { scale: 0.01, zeroPoint: 5 };
    spec.outputs[0]!.dtype = 'int16';
    spec.outputs[0]!.quant = { scale: 0.01, zeroPoint: 0 };
    await expectBothReject(spec);
  });
});

export type { DType };
