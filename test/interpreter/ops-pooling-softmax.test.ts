import { fb, type DType } from '../../src/tflite/index.js';
import { prng, randInt } from '../helpers/prng.js';
import type { SingleOpSpec } from '../helpers/single-op-model.js';
import { expectSameAsTflite, randomInput } from './conformance.js';

type Rand = () => number;
const Act = fb.ActivationFunctionType;
const ACTIVATIONS = [Act.NONE, Act.RELU, Act.RELU6, Act.RELU_N1_TO_1];

interface PoolCase {
  input: [number, number, number, number];
  filter: [number, number];
  stride: [number, number];
  padding: fb.Padding;
}

const POOLS: PoolCase[] = [
  { input: [1, 7, 7, 8], filter: [7, 7], stride: [1, 1], padding: fb.Padding.VALID },
  { input: [1, 9, 9, 3], filter: [3, 3], stride: [2, 2], padding: fb.Padding.SAME },
  { input: [2, 8, 6, 5], filter: [2, 2], stride: [2, 2], padding: fb.Padding.VALID },
  { input: [1, 10, 7, 4], filter: [3, 2], stride: [1, 2], padding: fb.Padding.SAME },
  { input: [1, 5, 5, 6], filter: [4, 4], stride: [3, 3], padding: fb.Padding.SAME },
  { input: [1, 17, 17, 2], filter: [17, 17], stride: [1, 1], padding: fb.Padding.VALID },
];

const outSize = (padding: fb.Padding, size: number, k: number, stride: number): number =>
  padding === fb.Padding.SAME ? Math.ceil(size / stride) : Math.floor((size - k + stride) / stride);

function quantFor(rand: Rand, dtype: DType): { scale: number; zeroPoint: number } | undefined {
  if (dtype === 'float32') return undefined;
  return { scale: 0.01 + rand() * 0.1, zeroPoint: dtype === 'uint8' ? randInt(rand, 0, 255) : randInt(rand, -128, 127) };
}

function poolSpec(op: string, rand: Rand, dtype: DType, p: PoolCase, activation: fb.ActivationFunctionType): SingleOpSpec {
  const q = quantFor(rand, dtype);
  const [n, h, w, c] = p.input;
  const out = [n, outSize(p.padding, h, p.filter[0], p.stride[0]), outSize(p.padding, w, p.filter[1], p.stride[1]), c];
  return {
    op,
    version: dtype === 'int8' ? 2 : 1,
    inputs: [{ shape: p.input, dtype, quant: q }],
    outputs: [{ shape: out, dtype, quant: q }],
    options: new fb.Pool2DOptionsT(p.padding, p.stride[1], p.stride[0], p.filter[1], p.filter[0], activation),
  };
}

const describePool = (p: PoolCase): string => `[${p.input}] ${p.filter.join('×')} stride ${p.stride.join(',')} ${fb.Padding[p.padding]}`;

for (const op of ['AVERAGE_POOL_2D', 'MAX_POOL_2D']) {
  describe(`${op} matches TFLite 2.9 byte for byte`, function () {
    for (const dtype of ['uint8', 'int8', 'float32'] as DType[]) {
      it(`${dtype}: windows, strides, paddings, activations`, function () {
        const rand = prng(op.length * 10 + dtype.length);
        POOLS.forEach((p, i) => {
          const activation = ACTIVATIONS[i % ACTIVATIONS.length]!;
          expectSameAsTflite(poolSpec(op, rand, dtype, p, activation), [randomInput(rand, dtype, p.input, 8)], `${op} ${dtype} ${describePool(p)} ${Act[activation]}`);
        });
      });
    }
  });
}

describe('pooling with different input and output quantization (TFLite does not rescale)', function () {
  for (const op of ['AVERAGE_POOL_2D', 'MAX_POOL_2D']) {
    for (const dtype of ['uint8', 'int8'] as DType[]) {
      it(`${op} ${dtype}`, function () {
        const rand = prng(450 + op.length + dtype.length);
        const p = POOLS[1]!;
        const spec = poolSpec(op, rand, dtype, p, Act.RELU);
        spec.outputs[0]!.quant = quantFor(rand, dtype);
        expectSameAsTflite(spec, [randomInput(rand, dtype, p.input)], `${op} ${dtype} rescaled output`);
      });
    }
  }
});

describe('SOFTMAX matches TFLite 2.9 byte for byte', function () {
  const shapes = [[1, 1001], [2, 10], [1, 3, 4, 17], [5], [3, 1]];
  for (const dtype of ['uint8', 'int8'] as DType[]) {
    it(`${dtype}: shapes, input scales, beta`, function () {
      const rand = prng(400 + dtype.length);
      shapes.forEach((shape, i) => {
        const beta = [1, 1, 0.5, 2, 1][i]!;
        const inQ = { scale: [0.1, 0.05, 0.2, 0.0235, 1][i]!, zeroPoint: dtype === 'uint8' ? randInt(rand, 0, 255) : randInt(rand, -128, 127) };
        const spec: SingleOpSpec = {
          op: 'SOFTMAX',
          version: dtype === 'int8' ? 2 : 1,
          inputs: [{ shape, dtype, quant: inQ }],
          outputs: [{ shape, dtype, quant: { scale: 1 / 256, zeroPoint: dtype === 'uint8' ? 0 : -128 } }],
          options: new fb.SoftmaxOptionsT(beta),
        };
        expectSameAsTflite(spec, [randomInput(rand, dtype, shape)], `SOFTMAX ${dtype} [${shape}] scale ${inQ.scale} beta ${beta}`);
      });
    });
  }

  it('float32: shapes (rows that start off a 16-byte boundary, tails of 1-3 elements), ranges, beta', function () {
    const rand = prng(410);
    [...shapes, [7, 13], [2, 6], [1, 4]].forEach((shape, i) => {
      const beta = [1, 1, 0.5, 2, 1, 1, 1.5, 1][i]!;
      const spec: SingleOpSpec = {
        op: 'SOFTMAX',
        inputs: [{ shape, dtype: 'float32' }],
        outputs: [{ shape, dtype: 'float32' }],
        options: new fb.SoftmaxOptionsT(beta),
      };
      expectSameAsTflite(spec, [randomInput(rand, 'float32', shape, [10, 3, 30, 100, 5, 20, 8, 4][i])], `SOFTMAX float32 [${shape}] beta ${beta}`);
    });
  });
});
