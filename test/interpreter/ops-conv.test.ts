import { fb, type DType } from '../../src/tflite/index.js';
import { setWasmKernelsEnabled } from '../../src/interpreter/wasm/module.js';
import { prng, randInt } from '../helpers/prng.js';
import type { OpTensor, SingleOpSpec } from '../helpers/single-op-model.js';
import { expectSameAsTflite, randomInput } from './conformance.js';

type Rand = () => number;
const Act = fb.ActivationFunctionType;
const ACTIVATIONS = [Act.NONE, Act.RELU, Act.RELU6, Act.RELU_N1_TO_1];

/** Random quantized weights: uint8 around their zero point, int8 symmetric; `small` keeps them within ±3 of it. */
function weightsData(rand: Rand, dtype: DType, n: number, zp: number, small: boolean): Uint8Array | Int8Array {
  const spread = small ? 3 : 127;
  if (dtype === 'uint8') return Uint8Array.from({ length: n }, () => Math.min(255, Math.max(0, zp + randInt(rand, -spread, spread))));
  return Int8Array.from({ length: n }, () => randInt(rand, -spread, spread));
}

function biasData(rand: Rand, n: number, magnitude: number): Int32Array {
  return Int32Array.from({ length: n }, () => randInt(rand, -magnitude, magnitude));
}

/** Input bytes: uniformly random, or (`small`) within ±3 of the zero point. */
function inputData(rand: Rand, dtype: DType, shape: readonly number[], zp: number, small: boolean): Uint8Array {
  if (!small) return randomInput(rand, dtype, shape);
  const n = shape.reduce((a, d) => a * d, 1);
  const [lo, hi] = dtype === 'uint8' ? [0, 255] : [-128, 127];
  return Uint8Array.from({ length: n }, () => Math.min(hi, Math.max(lo, zp + randInt(rand, -3, 3))) & 255);
}

interface QuantChoice {
  inScale: number;
  inZp: number;
  /** One per output channel for per-channel int8, else one. */
  wScales: number[];
  wZp: number;
  outScale: number;
  outZp: number;
}

/**
 * Scales that keep outputs inside the type's range most of the time: the output scale is the
 * accumulator's expected spread (√taps · 128²) in real units spread over ~100 steps. With
 * `ties`, every scale is a power of two and the real multiplier is 1/2, 1/4 or 1/8: used with
 * small data (see inputData), requantization then lands on exact halves all the time, which is
 * where TFLite's kernels round differently from one another.
 */
function chooseQuant(rand: Rand, dtype: DType, taps: number, channels: number, perChannel: boolean, ties: boolean): QuantChoice {
  const zp = (): number => (dtype === 'uint8' ? randInt(rand, 64, 192) : randInt(rand, -64, 64));
  const wZp = dtype === 'uint8' ? randInt(rand, 100, 150) : 0;
  if (ties) {
    const inScale = 2 ** -randInt(rand, 3, 7);
    const wScales = Array.from({ length: perChannel ? channels : 1 }, () => 2 ** -randInt(rand, 5, 9));
    // Per channel the multipliers differ by powers of two, all at most 1/2.
    return { inScale, inZp: zp(), wScales, wZp, outScale: inScale * Math.max(...wScales) * 2 ** randInt(rand, 1, 3), outZp: zp() };
  }
  const inScale = 0.005 + rand() * 0.05;
  const wScales = Array.from({ length: perChannel ? channels : 1 }, () => 0.001 + rand() * 0.02);
  const spread = Math.sqrt(taps) * 128 * 64 * inScale * wScales[0]!;
  return { inScale, inZp: zp(), wScales, wZp, outScale: (spread / 100) * (0.5 + rand()), outZp: zp() };
}

const weightsQuant = (q: QuantChoice, axis: number): OpTensor['quant'] =>
  q.wScales.length === 1 ? { scale: q.wScales[0]!, zeroPoint: q.wZp } : { scale: q.wScales, zeroPoint: q.wScales.map(() => 0), axis };
const biasQuant = (q: QuantChoice): OpTensor['quant'] =>
  q.wScales.length === 1
    ? { scale: Math.fround(q.inScale * q.wScales[0]!), zeroPoint: 0 }
    : { scale: q.wScales.map((s) => q.inScale * s), zeroPoint: q.wScales.map(() => 0), axis: 0 };

interface WindowCase {
  input: [number, number, number, number];
  kernel: [number, number];
  outChannels: number;
  stride: [number, number];
  dilation: [number, number];
  padding: fb.Padding;
}

const outSize = (padding: fb.Padding, size: number, k: number, stride: number, dilation: number): number => {
  const effective = (k - 1) * dilation + 1;
  return padding === fb.Padding.SAME ? Math.ceil(size / stride) : Math.floor((size - effective + stride) / stride);
};

const WINDOWS: WindowCase[] = [
  { input: [1, 9, 9, 3], kernel: [3, 3], outChannels: 8, stride: [1, 1], dilation: [1, 1], padding: fb.Padding.SAME },
  { input: [1, 10, 8, 5], kernel: [3, 3], outChannels: 6, stride: [2, 2], dilation: [1, 1], padding: fb.Padding.SAME },
  { input: [1, 11, 7, 4], kernel: [3, 2], outChannels: 7, stride: [2, 1], dilation: [1, 1], padding: fb.Padding.VALID },
  { input: [1, 12, 12, 6], kernel: [3, 3], outChannels: 5, stride: [1, 1], dilation: [2, 2], padding: fb.Padding.SAME },
  { input: [1, 13, 9, 3], kernel: [5, 3], outChannels: 4, stride: [1, 2], dilation: [2, 1], padding: fb.Padding.VALID },
  { input: [2, 7, 7, 16], kernel: [1, 1], outChannels: 12, stride: [1, 1], dilation: [1, 1], padding: fb.Padding.VALID },
  { input: [1, 8, 8, 9], kernel: [1, 1], outChannels: 9, stride: [2, 2], dilation: [1, 1], padding: fb.Padding.SAME },
  { input: [1, 6, 5, 2], kernel: [4, 4], outChannels: 3, stride: [3, 3], dilation: [1, 1], padding: fb.Padding.SAME },
];

function convCase(rand: Rand, dtype: DType, w: WindowCase, perChannel: boolean, powerOfTwo: boolean, activation: fb.ActivationFunctionType, withBias: boolean): { spec: SingleOpSpec; inputs: Uint8Array[] } {
  const [, h, wd, c] = w.input;
  const [kh, kw] = w.kernel;
  const oc = w.outChannels;
  const q = chooseQuant(rand, dtype, kh * kw * c, oc, perChannel, powerOfTwo);
  const oh = outSize(w.padding, h, kh, w.stride[0], w.dilation[0]);
  const ow = outSize(w.padding, wd, kw, w.stride[1], w.dilation[1]);
  const spec: SingleOpSpec = {
    op: 'CONV_2D',
    version: dtype === 'int8' ? 3 : 1,
    inputs: [
      { shape: w.input, dtype, quant: { scale: q.inScale, zeroPoint: q.inZp } },
      { shape: [oc, kh, kw, c], dtype, quant: weightsQuant(q, 0), data: weightsData(rand, dtype, oc * kh * kw * c, q.wZp, powerOfTwo) },
      withBias ? { shape: [oc], dtype: 'int32', quant: biasQuant(q), data: biasData(rand, oc, powerOfTwo ? 40 : 3000) } : null,
    ],
    outputs: [{ shape: [w.input[0], oh, ow, oc], dtype, quant: { scale: q.outScale, zeroPoint: q.outZp } }],
    options: new fb.Conv2DOptionsT(w.padding, w.stride[1], w.stride[0], activation, w.dilation[1], w.dilation[0]),
  };
  return { spec, inputs: [inputData(rand, dtype, w.input, q.inZp, powerOfTwo)] };
}

function depthwiseCase(rand: Rand, dtype: DType, w: WindowCase, multiplier: number, perChannel: boolean, powerOfTwo: boolean, activation: fb.ActivationFunctionType): { spec: SingleOpSpec; inputs: Uint8Array[] } {
  const [, h, wd, c] = w.input;
  const [kh, kw] = w.kernel;
  const oc = c * multiplier;
  const q = chooseQuant(rand, dtype, kh * kw, oc, perChannel, powerOfTwo);
  const oh = outSize(w.padding, h, kh, w.stride[0], w.dilation[0]);
  const ow = outSize(w.padding, wd, kw, w.stride[1], w.dilation[1]);
  const spec: SingleOpSpec = {
    op: 'DEPTHWISE_CONV_2D',
    version: dtype === 'int8' ? 3 : 2,
    inputs: [
      { shape: w.input, dtype, quant: { scale: q.inScale, zeroPoint: q.inZp } },
      { shape: [1, kh, kw, oc], dtype, quant: weightsQuant(q, 3), data: weightsData(rand, dtype, kh * kw * oc, q.wZp, powerOfTwo) },
      { shape: [oc], dtype: 'int32', quant: biasQuant(q), data: biasData(rand, oc, powerOfTwo ? 40 : 2000) },
    ],
    outputs: [{ shape: [w.input[0], oh, ow, oc], dtype, quant: { scale: q.outScale, zeroPoint: q.outZp } }],
    options: new fb.DepthwiseConv2DOptionsT(w.padding, w.stride[1], w.stride[0], multiplier, activation, w.dilation[1], w.dilation[0]),
  };
  return { spec, inputs: [inputData(rand, dtype, w.input, q.inZp, powerOfTwo)] };
}

const describeWindow = (w: WindowCase): string =>
  `[${w.input}] ${w.kernel.join('×')} stride ${w.stride.join(',')} dilation ${w.dilation.join(',')} ${fb.Padding[w.padding]}`;

/** These tests are about the TypeScript kernels; the WebAssembly ones are compared with them elsewhere. */
function typescriptKernelsOnly(): void {
  before(() => setWasmKernelsEnabled(false));
  after(() => setWasmKernelsEnabled(true));
}

describe('CONV_2D matches TFLite 2.9 byte for byte', function () {
  typescriptKernelsOnly();
  const variants: Array<{ dtype: DType; perChannel: boolean }> = [
    { dtype: 'uint8', perChannel: false },
    { dtype: 'int8', perChannel: true },
    { dtype: 'int8', perChannel: false },
  ];
  for (const { dtype, perChannel } of variants) {
    for (const powerOfTwo of [false, true]) {
      it(`${dtype} ${perChannel ? 'per-channel' : 'per-tensor'}${powerOfTwo ? ', power-of-two scales (exact ties)' : ': activations'}, strides, paddings, dilations`, function () {
        const rand = prng(100 + (dtype === 'uint8' ? 0 : 10) + (perChannel ? 1 : 0) + (powerOfTwo ? 5 : 0));
        WINDOWS.forEach((w, i) => {
          // Negative exact ties, where the rounding rules differ, survive only without a clamp.
          const activation = powerOfTwo ? Act.NONE : ACTIVATIONS[i % ACTIVATIONS.length]!;
          const { spec, inputs } = convCase(rand, dtype, w, perChannel, powerOfTwo, activation, true);
          expectSameAsTflite(spec, inputs, `CONV_2D ${dtype} ${describeWindow(w)} ${Act[activation]}`);
        });
      });
    }
  }

  it('uint8 with a real multiplier above 1 (left shift)', function () {
    const rand = prng(131);
    const w = WINDOWS[0]!;
    const { spec, inputs } = convCase(rand, 'uint8', w, false, false, Act.NONE, true);
    spec.outputs[0]!.quant = { scale: 0.00001, zeroPoint: 128 };
    spec.inputs[0]!.quant = { scale: 0.01, zeroPoint: 128 };
    spec.inputs[1]!.quant = { scale: 0.002, zeroPoint: 128 };
    spec.inputs[2]!.quant = { scale: Math.fround(0.01 * 0.002), zeroPoint: 0 };
    // Small inputs so that the outputs are not all saturated.
    const x = inputs[0]!;
    for (let i = 0; i < x.length; i++) x[i] = 128 + (x[i]! % 3) - 1;
    expectSameAsTflite(spec, inputs, 'CONV_2D uint8 multiplier > 1');
  });
});

describe('DEPTHWISE_CONV_2D matches TFLite 2.9 byte for byte', function () {
  typescriptKernelsOnly();
  const variants: Array<{ dtype: DType; perChannel: boolean }> = [
    { dtype: 'uint8', perChannel: false },
    { dtype: 'int8', perChannel: true },
    { dtype: 'int8', perChannel: false },
  ];
  for (const { dtype, perChannel } of variants) {
    for (const powerOfTwo of [false, true]) {
      it(`${dtype} ${perChannel ? 'per-channel' : 'per-tensor'}${powerOfTwo ? ', power-of-two scales (exact ties)' : ': activations'}, depth multipliers, strides, paddings, dilations`, function () {
        const rand = prng(200 + (dtype === 'uint8' ? 0 : 10) + (perChannel ? 1 : 0) + (powerOfTwo ? 5 : 0));
        WINDOWS.forEach((w, i) => {
          const activation = powerOfTwo ? Act.NONE : ACTIVATIONS[(i + 1) % ACTIVATIONS.length]!;
          const multiplier = [1, 2, 1, 3, 1, 1, 2, 1][i]!;
          const { spec, inputs } = depthwiseCase(rand, dtype, w, multiplier, perChannel, powerOfTwo, activation);
          expectSameAsTflite(spec, inputs, `DEPTHWISE_CONV_2D ${dtype} ${describeWindow(w)} ×${multiplier} ${Act[activation]}`);
        });
      });
    }
  }
});

describe('FULLY_CONNECTED matches TFLite 2.9 byte for byte', function () {
  typescriptKernelsOnly();
  const shapes: Array<{ input: number[]; units: number; keepNumDims: boolean }> = [
    { input: [1, 64], units: 10, keepNumDims: false },
    { input: [3, 17], units: 9, keepNumDims: false },
    { input: [1, 1, 1, 40], units: 13, keepNumDims: false },
    { input: [2, 3, 8], units: 5, keepNumDims: true },
    { input: [2, 3, 8], units: 6, keepNumDims: false },
    { input: [1, 300], units: 33, keepNumDims: false },
  ];
  for (const dtype of ['uint8', 'int8'] as DType[]) {
    for (const powerOfTwo of [false, true]) {
      it(`${dtype}${powerOfTwo ? ', power-of-two scales (exact ties)' : ': activations'}, shapes, keep_num_dims, bias or none`, function () {
        const rand = prng(300 + (dtype === 'uint8' ? 0 : 10) + (powerOfTwo ? 5 : 0));
        shapes.forEach((s, i) => {
          const depth = s.input[s.input.length - 1]!;
          const rows = s.input.reduce((a, d) => a * d, 1) / depth;
          const q = chooseQuant(rand, dtype, depth, s.units, false, powerOfTwo);
          const activation = powerOfTwo ? Act.NONE : ACTIVATIONS[i % ACTIVATIONS.length]!;
          const spec: SingleOpSpec = {
            op: 'FULLY_CONNECTED',
            version: dtype === 'int8' ? 4 : 1,
            inputs: [
              { shape: s.input, dtype, quant: { scale: q.inScale, zeroPoint: q.inZp } },
              { shape: [s.units, depth], dtype, quant: weightsQuant(q, 0), data: weightsData(rand, dtype, s.units * depth, q.wZp, powerOfTwo) },
              i === 1 ? null : { shape: [s.units], dtype: 'int32', quant: biasQuant(q), data: biasData(rand, s.units, powerOfTwo ? 40 : 4000) },
            ],
            outputs: [{ shape: s.keepNumDims ? [...s.input.slice(0, -1), s.units] : [rows, s.units], dtype, quant: { scale: q.outScale, zeroPoint: q.outZp } }],
            options: new fb.FullyConnectedOptionsT(activation, fb.FullyConnectedOptionsWeightsFormat.DEFAULT, s.keepNumDims),
          };
          expectSameAsTflite(spec, [inputData(rand, dtype, s.input, q.inZp, powerOfTwo)], `FULLY_CONNECTED ${dtype} [${s.input}]→${s.units} ${Act[activation]}`);
        });
      });
    }
  }
});
