import { fb, type DType } from '../../src/tflite/index.js';
import { prng, randInt } from '../helpers/prng.js';
import type { OpTensor } from '../helpers/single-op-model.js';
import { expectBothReject, expectSameAsTflite, randomInput } from './conformance.js';

type Rand = () => number;
const quantFor = (dtype: DType, rand: Rand): OpTensor['quant'] =>
  dtype === 'uint8' || dtype === 'int8' || dtype === 'int16'
    ? { scale: 0.01 + rand() * 0.2, zeroPoint: dtype === 'uint8' ? randInt(rand, 0, 255) : dtype === 'int8' ? randInt(rand, -128, 127) : 0 }
    : undefined;
const size = (h: number, w: number): OpTensor => ({ shape: [2], dtype: 'int32', data: Int32Array.from([h, w]) });

/** [input H, W] → [output H, W], with channel counts: up, down, odd ratios, single pixels, 2× and 8×. */
const RESIZES: Array<[number, number, number, number, number]> = [
  [4, 4, 8, 8, 3], // 2×
  [3, 5, 6, 10, 1], // 2× (the float32 2×2 path)
  [5, 7, 9, 4, 2],
  [7, 3, 2, 11, 3],
  [1, 1, 3, 5, 2],
  [4, 6, 1, 1, 2],
  [6, 6, 17, 13, 1],
  [2, 3, 16, 24, 8], // 8×, depth 8 (TFLite's uint8 half-pixel special case)
  [33, 33, 65, 65, 1],
  [13, 9, 13, 9, 2], // identity size
];
const MODES: Array<[string, boolean, boolean]> = [
  ['default', false, false],
  ['align_corners', true, false],
  ['half_pixel_centers', false, true],
];

describe('resize kernels match TFLite 2.9 byte for byte', () => {
  for (const op of ['RESIZE_BILINEAR', 'RESIZE_NEAREST_NEIGHBOR'] as const) {
    describe(op, () => {
      for (const dtype of ['uint8', 'int8', 'int16', 'float32'] as DType[]) {
        for (const [mode, alignCorners, halfPixelCenters] of MODES) {
          it(`${dtype}, ${mode}`, () => {
            const rand = prng(101 + dtype.length);
            for (const [h, w, oh, ow, c] of RESIZES) {
              for (const batches of [1, 2]) {
                const q = quantFor(dtype, rand);
                const options = op === 'RESIZE_BILINEAR' ? new fb.ResizeBilinearOptionsT(alignCorners, halfPixelCenters) : new fb.ResizeNearestNeighborOptionsT(alignCorners, halfPixelCenters);
                expectSameAsTflite(
                  { op, inputs: [{ shape: [batches, h, w, c], dtype, quant: q }, size(oh, ow)], outputs: [{ shape: [batches, oh, ow, c], dtype, quant: q }], options },
                  [randomInput(rand, dtype, [batches, h, w, c], 100)],
                  `${op} ${dtype} ${mode} [${batches},${h},${w},${c}] → ${oh}×${ow}`,
                );
              }
            }
          });
        }
      }
      it('random sizes, all types and modes', () => {
        const rand = prng(107);
        for (let n = 0; n < 60; n++) {
          const dtype = (['uint8', 'int8', 'int16', 'float32'] as DType[])[randInt(rand, 0, 3)]!;
          const [mode, alignCorners, halfPixelCenters] = MODES[randInt(rand, 0, 2)]!;
          const [h, w, oh, ow, c] = [randInt(rand, 1, 12), randInt(rand, 1, 12), randInt(rand, 1, 30), randInt(rand, 1, 30), randInt(rand, 1, 4)];
          const q = quantFor(dtype, rand);
          const options = op === 'RESIZE_BILINEAR' ? new fb.ResizeBilinearOptionsT(alignCorners, halfPixelCenters) : new fb.ResizeNearestNeighborOptionsT(alignCorners, halfPixelCenters);
          expectSameAsTflite(
            { op, inputs: [{ shape: [1, h, w, c], dtype, quant: q }, size(oh, ow)], outputs: [{ shape: [1, oh, ow, c], dtype, quant: q }], options },
            [randomInput(rand, dtype, [1, h, w, c], 1000)],
            `${op} ${dtype} ${mode} [1,${h},${w},${c}] → ${oh}×${ow}`,
          );
        }
      });
    });
  }

  it('RESIZE_NEAREST_NEIGHBOR with align_corners and half_pixel_centers together (TFLite accepts it)', () => {
    const rand = prng(108);
    for (const dtype of ['uint8', 'int8', 'float32'] as DType[]) {
      for (const [h, w, oh, ow, c] of RESIZES) {
        const q = quantFor(dtype, rand);
        expectSameAsTflite(
          { op: 'RESIZE_NEAREST_NEIGHBOR', inputs: [{ shape: [1, h, w, c], dtype, quant: q }, size(oh, ow)], outputs: [{ shape: [1, oh, ow, c], dtype, quant: q }], options: new fb.ResizeNearestNeighborOptionsT(true, true) },
          [randomInput(rand, dtype, [1, h, w, c])],
          `RESIZE_NEAREST_NEIGHBOR ${dtype} both flags [1,${h},${w},${c}] → ${oh}×${ow}`,
        );
      }
    }
  });

  it('RESIZE_BILINEAR rejects what TFLite rejects: align_corners with half_pixel_centers', async () => {
    await expectBothReject({ op: 'RESIZE_BILINEAR', inputs: [{ shape: [1, 2, 2, 1], dtype: 'uint8' }, size(3, 3)], outputs: [{ shape: [1, 3, 3, 1], dtype: 'uint8' }], options: new fb.ResizeBilinearOptionsT(true, true) });
  });
});

describe('reduction kernels match TFLite 2.9 byte for byte', () => {
  /** A random shape, a random set of axes (some negative, some repeated) and keep_dims. */
  function randomReduction(rand: Rand): { shape: number[]; axes: number[]; keepDims: boolean; outShape: number[] } {
    const rank = randInt(rand, 1, 4);
    const shape = Array.from({ length: rank }, () => randInt(rand, 1, 6));
    const axes = Array.from({ length: randInt(rand, 1, rank + 1) }, () => randInt(rand, -rank, rank - 1));
    const reduced = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
    const keepDims = rand() < 0.5;
    const outShape = keepDims ? shape.map((d, k) => (reduced.has(k) ? 1 : d)) : shape.filter((_, k) => !reduced.has(k));
    return { shape, axes, keepDims, outShape };
  }
  const axesTensor = (axes: number[]): OpTensor => ({ shape: [axes.length], dtype: 'int32', data: Int32Array.from(axes) });

  for (const op of ['REDUCE_MAX', 'REDUCE_MIN', 'SUM'] as const) {
    for (const dtype of ['uint8', 'int8', 'int16', 'int32', 'float32', 'int64'] as DType[]) {
      it(`${op} ${dtype}: random axes, keep_dims on and off${dtype === 'uint8' || dtype === 'int8' ? ', same quantization' : ''}`, () => {
        const rand = prng(201 + dtype.length + op.length);
        for (let n = 0; n < 40; n++) {
          const r = randomReduction(rand);
          const q = quantFor(dtype, rand);
          expectSameAsTflite(
            { op, inputs: [{ shape: r.shape, dtype, quant: q }, axesTensor(r.axes)], outputs: [{ shape: r.outShape, dtype, quant: q }], options: new fb.ReducerOptionsT(r.keepDims) },
            [randomInput(rand, dtype, r.shape, 1000)],
            `${op} ${dtype} [${r.shape}] axes [${r.axes}] keep_dims ${r.keepDims}`,
          );
        }
      });
    }
  }

  for (const dtype of ['uint8', 'int8'] as DType[]) {
    it(`SUM ${dtype} with a different output quantization requantizes in float32 (and wraps)`, () => {
      const rand = prng(211);
      for (let n = 0; n < 60; n++) {
        const r = randomReduction(rand);
        const qIn = quantFor(dtype, rand)!;
        // Output scales from much finer to much coarser than the input's, so that some sums
        // overflow; every other case a power-of-two ratio, which makes exact halves (ties).
        const ratio = n % 2 === 0 ? 2 ** (rand() * 8 - 2) : 2 ** randInt(rand, 1, 3);
        const qOut = { scale: (qIn.scale as number) * ratio, zeroPoint: quantFor(dtype, rand)!.zeroPoint };
        expectSameAsTflite(
          { op: 'SUM', inputs: [{ shape: r.shape, dtype, quant: qIn }, axesTensor(r.axes)], outputs: [{ shape: r.outShape, dtype, quant: qOut }], options: new fb.ReducerOptionsT(r.keepDims) },
          [randomInput(rand, dtype, r.shape)],
          `SUM ${dtype} [${r.shape}] axes [${r.axes}] keep_dims ${r.keepDims} scales ${qIn.scale as number}→${qOut.scale}`,
        );
      }
    });
  }

  it('float32 extremes and empty axis lists', () => {
    const rand = prng(221);
    const values = Float32Array.from([-Infinity, -Infinity, 3, -0, 0, -0, Infinity, 1e38, -3.4028234663852886e38, 5, -7, 2]);
    const input = new Uint8Array(values.buffer);
    for (const op of ['REDUCE_MAX', 'REDUCE_MIN', 'SUM']) {
      expectSameAsTflite({ op, inputs: [{ shape: [4, 3], dtype: 'float32' }, axesTensor([1])], outputs: [{ shape: [4], dtype: 'float32' }], options: new fb.ReducerOptionsT(false) }, [input], `${op} extremes`);
      expectSameAsTflite({ op, inputs: [{ shape: [4, 3], dtype: 'float32' }, axesTensor([])], outputs: [{ shape: [4, 3], dtype: 'float32' }], options: new fb.ReducerOptionsT(true) }, [randomInput(rand, 'float32', [4, 3])], `${op} no axes`);
    }
  });

  it('rejects what TFLite rejects: MAX/MIN across a change of quantization, int16 SUM rescaling, int64 axes', async () => {
    const a = { scale: 0.1, zeroPoint: 3 };
    const b = { scale: 0.2, zeroPoint: 7 };
    for (const op of ['REDUCE_MAX', 'REDUCE_MIN']) {
      for (const dtype of ['uint8', 'int8'] as DType[]) {
        await expectBothReject({ op, inputs: [{ shape: [2, 4], dtype, quant: a }, axesTensor([0])], outputs: [{ shape: [4], dtype, quant: b }], options: new fb.ReducerOptionsT(false) });
      }
    }
    await expectBothReject({ op: 'SUM', inputs: [{ shape: [2, 4], dtype: 'int16', quant: { scale: 0.1, zeroPoint: 0 } }, axesTensor([0])], outputs: [{ shape: [4], dtype: 'int16', quant: { scale: 0.2, zeroPoint: 0 } }], options: new fb.ReducerOptionsT(false) });
    await expectBothReject({ op: 'SUM', inputs: [{ shape: [2, 4], dtype: 'float32' }, { shape: [1], dtype: 'int64', data: BigInt64Array.from([0n]) }], outputs: [{ shape: [4], dtype: 'float32' }], options: new fb.ReducerOptionsT(false) });
  });
});
