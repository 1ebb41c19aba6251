import { fb, type DType } from '../../src/tflite/index.js';
import { prng, randInt } from '../helpers/prng.js';
import type { OpTensor, SingleOpSpec } from '../helpers/single-op-model.js';
import { expectBothReject, expectSameAsTflite, randomInput } from './conformance.js';

type Rand = () => number;
const zeroPointFor = (rand: Rand, dtype: DType): number => (dtype === 'uint8' ? randInt(rand, 0, 255) : dtype === 'int8' ? randInt(rand, -128, 127) : 0);
const quantFor = (rand: Rand, dtype: DType): OpTensor['quant'] => (dtype === 'uint8' || dtype === 'int8' ? { scale: 0.01 + rand() * 0.1, zeroPoint: zeroPointFor(rand, dtype) } : undefined);

describe('MEAN matches TFLite 2.9 byte for byte', function () {
  const cases: Array<{ shape: number[]; axes: number[]; keepDims: boolean }> = [
    { shape: [1, 7, 7, 32], axes: [1, 2], keepDims: true },
    { shape: [2, 5, 3, 6], axes: [2, 1], keepDims: true },
    { shape: [1, 7, 7, 16], axes: [1, 2], keepDims: false },
    { shape: [3, 4, 5], axes: [2], keepDims: false },
    { shape: [3, 4, 5], axes: [0, -1], keepDims: true },
    { shape: [2, 3, 4, 5], axes: [3], keepDims: true },
    { shape: [6, 9], axes: [0, 1], keepDims: false },
  ];
  const outShape = (c: { shape: number[]; axes: number[]; keepDims: boolean }): number[] => {
    const axes = new Set(c.axes.map((a) => (a < 0 ? a + c.shape.length : a)));
    return c.keepDims ? c.shape.map((d, i) => (axes.has(i) ? 1 : d)) : c.shape.filter((_, i) => !axes.has(i));
  };
  for (const dtype of ['uint8', 'int8'] as DType[]) {
    for (const params of ['different', 'equal'] as const) {
      it(`${dtype}, ${params} input and output quantization: axes, keep_dims`, function () {
        const rand = prng(800 + dtype.length + (params === 'equal' ? 50 : 0));
        for (const c of cases) {
          const inQ = quantFor(rand, dtype)!;
          const outQ = params === 'equal' ? inQ : quantFor(rand, dtype)!;
          const spec: SingleOpSpec = {
            op: 'MEAN',
            version: dtype === 'int8' ? 2 : 1,
            inputs: [{ shape: c.shape, dtype, quant: inQ }, { shape: [c.axes.length], dtype: 'int32', data: Int32Array.from(c.axes) }],
            outputs: [{ shape: outShape(c), dtype, quant: outQ }],
            options: new fb.ReducerOptionsT(c.keepDims),
          };
          expectSameAsTflite(spec, [randomInput(rand, dtype, c.shape)], `MEAN ${dtype} [${c.shape}] axes ${c.axes} keep_dims ${c.keepDims} ${params} params`);
        }
      });
    }
  }
});

describe('CONCATENATION matches TFLite 2.9 byte for byte', function () {
  const cases: Array<{ shapes: number[][]; axis: number }> = [
    { shapes: [[1, 4, 4, 3], [1, 4, 4, 5]], axis: 3 },
    { shapes: [[2, 3], [2, 1], [2, 4]], axis: -1 },
    { shapes: [[1, 2, 5], [1, 3, 5]], axis: 1 },
    { shapes: [[2, 2, 2], [1, 2, 2], [3, 2, 2]], axis: 0 },
    { shapes: [[1, 33, 33, 2], [1, 33, 33, 1]], axis: 3 },
  ];
  const outShape = (c: { shapes: number[][]; axis: number }): number[] => {
    const rank = c.shapes[0]!.length;
    const axis = c.axis < 0 ? c.axis + rank : c.axis;
    const out = c.shapes[0]!.slice();
    out[axis] = c.shapes.reduce((n, s) => n + s[axis]!, 0);
    return out;
  };
  for (const dtype of ['uint8', 'int8', 'int32', 'float32'] as DType[]) {
    it(`${dtype}, equal quantization: axes, several inputs`, function () {
      const rand = prng(900 + dtype.length);
      for (const c of cases) {
        const q = quantFor(rand, dtype);
        const spec: SingleOpSpec = {
          op: 'CONCATENATION',
          inputs: c.shapes.map((shape) => ({ shape, dtype, quant: q })),
          outputs: [{ shape: outShape(c), dtype, quant: q }],
          options: new fb.ConcatenationOptionsT(c.axis),
        };
        expectSameAsTflite(spec, c.shapes.map((s) => randomInput(rand, dtype, s)), `CONCATENATION ${dtype} ${c.shapes.map((s) => `[${s}]`).join(' ')} axis ${c.axis}`);
      }
    });
  }
  it('uint8, inputs requantized to the output parameters', function () {
    const rand = prng(950);
    for (const c of cases) {
      const spec: SingleOpSpec = {
        op: 'CONCATENATION',
        inputs: c.shapes.map((shape, i) => ({ shape, dtype: 'uint8' as const, quant: i === 0 ? { scale: 0.05, zeroPoint: 128 } : quantFor(rand, 'uint8') })),
        outputs: [{ shape: outShape(c), dtype: 'uint8', quant: { scale: 0.05, zeroPoint: 128 } }],
        options: new fb.ConcatenationOptionsT(c.axis),
      };
      expectSameAsTflite(spec, c.shapes.map((s) => randomInput(rand, 'uint8', s)), `CONCATENATION uint8 requantized ${c.shapes.map((s) => `[${s}]`).join(' ')}`);
    }
  });
});

describe('CONCATENATION of int8 inputs quantized differently from the output', function () {
  it('is refused, by TFLite 2.9 at prepare and by us at create()', async function () {
    await expectBothReject({
      op: 'CONCATENATION',
      inputs: [{ shape: [2, 3], dtype: 'int8', quant: { scale: 0.1, zeroPoint: 5 } }, { shape: [2, 2], dtype: 'int8', quant: { scale: 0.05, zeroPoint: -3 } }],
      outputs: [{ shape: [2, 5], dtype: 'int8', quant: { scale: 0.1, zeroPoint: 5 } }],
      options: new fb.ConcatenationOptionsT(1),
    });
  });
});

describe('RESHAPE matches TFLite 2.9 byte for byte', function () {
  const cases: Array<{ from: number[]; to: number[]; asInput: boolean }> = [
    { from: [1, 1, 1, 1001], to: [1, 1001], asInput: true },
    { from: [2, 3, 4], to: [4, 6], asInput: false },
    { from: [6], to: [1, 2, 3], asInput: true },
    { from: [1, 17, 3], to: [51], asInput: false },
  ];
  for (const dtype of ['uint8', 'int8', 'int32', 'float32', 'int64'] as DType[]) {
    it(`${dtype}: target shape from a constant input or from the options`, function () {
      const rand = prng(990 + dtype.length);
      for (const c of cases) {
        const q = quantFor(rand, dtype);
        const spec: SingleOpSpec = {
          op: 'RESHAPE',
          inputs: c.asInput ? [{ shape: c.from, dtype, quant: q }, { shape: [c.to.length], dtype: 'int32', data: Int32Array.from(c.to) }] : [{ shape: c.from, dtype, quant: q }],
          outputs: [{ shape: c.to, dtype, quant: q }],
          options: new fb.ReshapeOptionsT(c.to),
        };
        expectSameAsTflite(spec, [randomInput(rand, dtype, c.from)], `RESHAPE ${dtype} [${c.from}] → [${c.to}]`);
      }
    });
  }
});
