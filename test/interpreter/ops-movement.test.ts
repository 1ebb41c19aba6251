import { fb, type DType } from '../../src/tflite/index.js';
import { prng, randInt } from '../helpers/prng.js';
import type { OpTensor, SingleOpSpec } from '../helpers/single-op-model.js';
import { expectBothReject, expectSameAsTflite, randomInput, tfliteOutputShapes } from './conformance.js';

type Rand = () => number;
const QUANTIZED: readonly DType[] = ['uint8', 'int8', 'int16'];
const quantFor = (dtype: DType, rand: Rand): OpTensor['quant'] =>
  QUANTIZED.includes(dtype)
    ? { scale: 0.01 + rand() * 0.2, zeroPoint: dtype === 'uint8' ? randInt(rand, 0, 255) : dtype === 'int8' ? randInt(rand, -128, 127) : 0 }
    : undefined;
const product = (shape: readonly number[]): number => shape.reduce((a, d) => a * d, 1);
const randomShape = (rand: Rand, rank: number, max = 5): number[] => Array.from({ length: rank }, () => randInt(rand, 1, max));
const int32 = (values: number[]): OpTensor => ({ shape: [values.length], dtype: 'int32', data: Int32Array.from(values) });
const shuffled = (rand: Rand, n: number): number[] => {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = randInt(rand, 0, i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
};

describe('data movement kernels match TFLite 2.9 byte for byte', () => {
  describe('PAD / PADV2', () => {
    const cases: Array<{ shape: number[]; pads: number[] }> = [
      { shape: [1, 4, 5, 3], pads: [0, 0, 1, 2, 2, 1, 0, 0] },
      { shape: [2, 3, 3, 2], pads: [1, 0, 0, 3, 1, 1, 2, 0] },
      { shape: [7], pads: [3, 4] },
      { shape: [3, 4], pads: [0, 0, 0, 0] },
      { shape: [2, 1, 2, 3, 2], pads: [0, 1, 1, 0, 2, 2, 0, 1, 1, 1] },
    ];
    const outShapeOf = (c: { shape: number[]; pads: number[] }): number[] => c.shape.map((d, k) => d + c.pads[2 * k]! + c.pads[2 * k + 1]!);
    const paddings = (c: { shape: number[]; pads: number[] }): OpTensor => ({ shape: [c.shape.length, 2], dtype: 'int32', data: Int32Array.from(c.pads) });

    for (const dtype of ['uint8', 'int8', 'int16', 'int32', 'float32', 'int64'] as DType[]) {
      it(`PAD ${dtype}: pads with zero / the output zero point`, () => {
        const rand = prng(11);
        for (const c of cases) {
          const q = quantFor(dtype, rand);
          expectSameAsTflite(
            { op: 'PAD', inputs: [{ shape: c.shape, dtype, quant: q }, paddings(c)], outputs: [{ shape: outShapeOf(c), dtype, quant: q }] },
            [randomInput(rand, dtype, c.shape)],
            `PAD ${dtype} [${c.shape}]`,
          );
        }
      });
    }

    it('PAD copies quantized values as they are when input and output scales differ', () => {
      const rand = prng(12);
      for (const dtype of ['uint8', 'int8'] as DType[]) {
        const c = cases[1]!;
        expectSameAsTflite(
          { op: 'PAD', inputs: [{ shape: c.shape, dtype, quant: quantFor(dtype, rand) }, paddings(c)], outputs: [{ shape: outShapeOf(c), dtype, quant: quantFor(dtype, rand) }] },
          [randomInput(rand, dtype, c.shape)],
        );
      }
    });

    for (const dtype of ['uint8', 'int8', 'int32', 'float32'] as DType[]) {
      it(`PADV2 ${dtype}: constant and run-time pad values`, () => {
        const rand = prng(13);
        for (const c of cases.slice(0, 3)) {
          const q = quantFor(dtype, rand);
          const value = randomInput(rand, dtype, [1]);
          const constant: OpTensor = { shape: [], dtype, quant: q, data: dtype === 'float32' ? new Float32Array(value.buffer) : dtype === 'int32' ? new Int32Array(value.buffer) : dtype === 'int8' ? new Int8Array(value.buffer) : value };
          expectSameAsTflite(
            { op: 'PADV2', inputs: [{ shape: c.shape, dtype, quant: q }, paddings(c), constant], outputs: [{ shape: outShapeOf(c), dtype, quant: q }] },
            [randomInput(rand, dtype, c.shape)],
            `PADV2 ${dtype} [${c.shape}] constant`,
          );
          expectSameAsTflite(
            { op: 'PADV2', inputs: [{ shape: c.shape, dtype, quant: q }, paddings(c), { shape: [], dtype, quant: q }], outputs: [{ shape: outShapeOf(c), dtype, quant: q }] },
            [randomInput(rand, dtype, c.shape), value],
            `PADV2 ${dtype} [${c.shape}] run-time value`,
          );
        }
      });
    }

    it('rejects what TFLite rejects: 6-D inputs', async () => {
      const c = { shape: [1, 1, 2, 1, 2, 2], pads: [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1] };
      await expectBothReject({ op: 'PAD', inputs: [{ shape: c.shape, dtype: 'uint8' }, paddings(c)], outputs: [{ shape: outShapeOf(c), dtype: 'uint8' }] });
    });
  });

  describe('SLICE', () => {
    for (const dtype of ['uint8', 'int8', 'int32', 'float32', 'int64'] as DType[]) {
      it(`${dtype}: random boxes of 1-D to 5-D inputs, with size −1`, () => {
        const rand = prng(21);
        for (let n = 0; n < 30; n++) {
          const shape = randomShape(rand, randInt(rand, 1, 5));
          const begin = shape.map((d) => randInt(rand, 0, d - 1));
          const size = shape.map((d, k) => (rand() < 0.25 ? -1 : randInt(rand, 0, d - begin[k]!)));
          const outShape = size.map((s, k) => (s === -1 ? shape[k]! - begin[k]! : s));
          const q = quantFor(dtype, rand);
          expectSameAsTflite(
            { op: 'SLICE', inputs: [{ shape, dtype, quant: q }, int32(begin), int32(size)], outputs: [{ shape: outShape, dtype, quant: q }] },
            [randomInput(rand, dtype, shape)],
            `SLICE ${dtype} [${shape}] begin [${begin}] size [${size}]`,
          );
        }
      });
    }
  });

  describe('STRIDED_SLICE', () => {
    /** A random slice spec; TFLite computes the output shape (a spec it rejects is skipped). */
    function randomSpec(rand: Rand, dtype: DType): { spec: SingleOpSpec; input: Uint8Array } | null {
      const shape = randomShape(rand, randInt(rand, 1, 4));
      const n = randInt(rand, 1, shape.length + 1);
      const mask = (): number => (rand() < 0.5 ? 0 : randInt(rand, 0, (1 << n) - 1));
      const ellipsis = rand() < 0.3 ? 1 << randInt(rand, 0, n - 1) : 0;
      const shrink = rand() < 0.4 ? mask() : 0;
      // A shrunk axis is read at `begin`, which must exist on whatever axis the position maps
      // to (TFLite reads out of bounds otherwise), and needs a positive stride (with a negative
      // one TFLite 2.9 leaves the output unwritten).
      const smallest = Math.min(...shape);
      const begin = Array.from({ length: n }, (_, k) => (shrink & (1 << k) ? randInt(rand, -smallest, smallest - 1) : randInt(rand, -6, 6)));
      const end = Array.from({ length: n }, () => randInt(rand, -6, 6));
      const strides = Array.from({ length: n }, (_, k) => (rand() < 0.5 || shrink & (1 << k) ? 1 : [-3, -2, -1, 2, 3][randInt(rand, 0, 4)]!));
      const options = new fb.StridedSliceOptionsT(mask(), mask(), ellipsis, rand() < 0.3 ? mask() : 0, shrink);
      const q = quantFor(dtype, rand);
      const spec: SingleOpSpec = {
        op: 'STRIDED_SLICE',
        inputs: [{ shape, dtype, quant: q }, int32(begin), int32(end), int32(strides)],
        outputs: [{ shape: [1], dtype, quant: q }],
        options,
      };
      const shapes = tfliteOutputShapes(spec);
      if (!shapes) return null;
      spec.outputs[0]!.shape = shapes[0]!;
      return { spec, input: randomInput(rand, dtype, shape) };
    }

    for (const dtype of ['uint8', 'int8', 'int32', 'float32'] as DType[]) {
      it(`${dtype}: 150 random specs with every mask, negative indices and strides`, () => {
        const rand = prng(dtype.length * 31 + 1);
        let checked = 0;
        while (checked < 150) {
          const c = randomSpec(rand, dtype);
          if (!c) continue;
          const operands = c.spec.inputs.slice(1).map((t) => Array.from(t!.data as Int32Array));
          expectSameAsTflite(c.spec, [c.input], `STRIDED_SLICE ${JSON.stringify(c.spec.options)} begin/end/strides ${JSON.stringify(operands)} on [${c.spec.inputs[0]!.shape}]`);
          checked++;
        }
      });
    }

    it('each mask on its own, on a 3-D int8 tensor', () => {
      const rand = prng(33);
      const shape = [3, 4, 5];
      const input = randomInput(rand, 'int8', shape);
      const cases: Array<[string, number[], number[], number[], fb.StridedSliceOptionsT, number[]]> = [
        ['begin_mask', [1, 1, 1], [3, 3, 4], [1, 1, 2], new fb.StridedSliceOptionsT(0b101), [3, 2, 2]],
        ['end_mask', [1, 1, 1], [2, 2, 2], [1, 1, 1], new fb.StridedSliceOptionsT(0, 0b110), [1, 3, 4]],
        ['ellipsis_mask', [0, 1], [0, 4], [1, 2], new fb.StridedSliceOptionsT(0, 0, 0b01), [3, 4, 2]],
        ['new_axis_mask', [0, 0, 1], [1, 2, 3], [1, 1, 1], new fb.StridedSliceOptionsT(0, 0, 0, 0b010), [1, 1, 2, 5]],
        ['shrink_axis_mask', [-1, 0, 2], [0, 4, 3], [1, 1, 1], new fb.StridedSliceOptionsT(0, 0, 0, 0, 0b101), [4]],
        ['negative strides', [-1, -1, 4], [-4, 0, -6], [-1, -2, -2], new fb.StridedSliceOptionsT(), [3, 2, 3]],
      ];
      for (const [name, begin, end, strides, options, outShape] of cases) {
        expectSameAsTflite(
          { op: 'STRIDED_SLICE', inputs: [{ shape, dtype: 'int8', quant: { scale: 0.5, zeroPoint: -3 } }, int32(begin), int32(end), int32(strides)], outputs: [{ shape: outShape, dtype: 'int8', quant: { scale: 0.5, zeroPoint: -3 } }], options },
          [input],
          `STRIDED_SLICE ${name}`,
        );
      }
    });

    it('offset = true (end counts from begin) gives what TFLite computes for the absolute end', async () => {
      // TFLite 2.9 predates the offset option and ignores it, so the reference is the
      // equivalent slice with end = begin + end.
      const rand = prng(34);
      const { runOurs } = await import('./conformance.js');
      for (let n = 0; n < 20; n++) {
        const shape = randomShape(rand, 3, 6);
        const begin = shape.map((d) => randInt(rand, 0, d - 1));
        const length = shape.map((d, k) => randInt(rand, 1, d - begin[k]!));
        const strides = shape.map(() => randInt(rand, 1, 2));
        const outShape = length.map((l, k) => Math.ceil(l / strides[k]!));
        const tensor = (end: number[], offset: boolean): SingleOpSpec => ({
          op: 'STRIDED_SLICE',
          inputs: [{ shape, dtype: 'uint8' }, int32(begin), int32(end), int32(strides)],
          outputs: [{ shape: outShape, dtype: 'uint8' }],
          options: new fb.StridedSliceOptionsT(0, 0, 0, 0, 0, offset),
        });
        const input = randomInput(rand, 'uint8', shape);
        const absolute = begin.map((b, k) => b + length[k]!);
        expectSameAsTflite(tensor(absolute, false), [input]);
        const { referenceRun } = await import('../helpers/tflite-oracle.js');
        const { singleOpModel } = await import('../helpers/single-op-model.js');
        const theirs = referenceRun(singleOpModel(tensor(absolute, false)), [input]).outputs[0]!.bytes;
        const ours = runOurs(singleOpModel(tensor(length, true)), [input])[0]!;
        if (!ours.every((v, i) => v === theirs[i]) || ours.length !== theirs.length) throw new Error(`offset slice differs for begin [${begin}] length [${length}]`);
      }
    });
  });

  describe('SPLIT', () => {
    for (const dtype of ['uint8', 'int8', 'int32', 'float32'] as DType[]) {
      it(`${dtype}: every axis, positive and negative, 1 to 4 parts`, () => {
        const rand = prng(41);
        for (let n = 0; n < 20; n++) {
          const rank = randInt(rand, 1, 4);
          const parts = randInt(rand, 1, 4);
          const shape = randomShape(rand, rank, 4);
          const axis = randInt(rand, 0, rank - 1);
          shape[axis] = parts * randInt(rand, 1, 3);
          const partShape = shape.slice();
          partShape[axis] = shape[axis]! / parts;
          const q = quantFor(dtype, rand);
          expectSameAsTflite(
            {
              op: 'SPLIT',
              inputs: [{ shape: [], dtype: 'int32', data: Int32Array.from([rand() < 0.5 ? axis : axis - rank]) }, { shape, dtype, quant: q }],
              outputs: Array.from({ length: parts }, () => ({ shape: partShape, dtype, quant: q })),
              options: new fb.SplitOptionsT(parts),
            },
            [randomInput(rand, dtype, shape)],
            `SPLIT ${dtype} [${shape}] axis ${axis} into ${parts}`,
          );
        }
      });
    }
  });

  it('SPLIT rejects what TFLite rejects: int64 and bool values', async () => {
    for (const dtype of ['int64', 'bool'] as DType[]) {
      await expectBothReject({ op: 'SPLIT', inputs: [{ shape: [], dtype: 'int32', data: Int32Array.from([0]) }, { shape: [4, 2], dtype }], outputs: [{ shape: [2, 2], dtype }, { shape: [2, 2], dtype }], options: new fb.SplitOptionsT(2) });
    }
  });

  describe('SQUEEZE and EXPAND_DIMS', () => {
    for (const dtype of ['uint8', 'int8', 'int32', 'float32', 'int64', 'bool'] as DType[]) {
      it(`${dtype}: SQUEEZE all or listed axes`, () => {
        const rand = prng(51);
        const cases: Array<[number[], number[], number[]]> = [
          [[1, 3, 1, 2], [], [3, 2]],
          [[1, 3, 1, 2], [2], [1, 3, 2]],
          [[1, 3, 1, 2], [-4, 2], [3, 2]],
          [[1, 1, 1], [], []],
          [[5], [], [5]],
        ];
        for (const [shape, dims, outShape] of cases) {
          const q = quantFor(dtype, rand);
          expectSameAsTflite(
            { op: 'SQUEEZE', inputs: [{ shape, dtype, quant: q }], outputs: [{ shape: outShape, dtype, quant: q }], options: new fb.SqueezeOptionsT(dims) },
            [randomInput(rand, dtype, shape)],
          );
        }
      });
      it(`${dtype}: EXPAND_DIMS at every position, negative axes included`, () => {
        const rand = prng(52);
        const shape = [2, 3, 4];
        for (let axis = -4; axis <= 3; axis++) {
          const outShape = shape.slice();
          outShape.splice(axis < 0 ? axis + 4 : axis, 0, 1);
          const q = quantFor(dtype, rand);
          expectSameAsTflite(
            { op: 'EXPAND_DIMS', inputs: [{ shape, dtype, quant: q }, { shape: [1], dtype: 'int32', data: Int32Array.from([axis]) }], outputs: [{ shape: outShape, dtype, quant: q }] },
            [randomInput(rand, dtype, shape)],
          );
        }
      });
    }
  });

  describe('TRANSPOSE', () => {
    for (const dtype of ['uint8', 'int8', 'int16', 'int32', 'float32', 'int64'] as DType[]) {
      it(`${dtype}: random permutations of 1-D to 5-D inputs`, () => {
        const rand = prng(61);
        for (let n = 0; n < 25; n++) {
          const shape = randomShape(rand, randInt(rand, 1, 5), 4);
          const perm = shuffled(rand, shape.length);
          const q = quantFor(dtype, rand);
          expectSameAsTflite(
            { op: 'TRANSPOSE', inputs: [{ shape, dtype, quant: q }, int32(perm)], outputs: [{ shape: perm.map((p) => shape[p]!), dtype, quant: q }] },
            [randomInput(rand, dtype, shape)],
            `TRANSPOSE ${dtype} [${shape}] perm [${perm}]`,
          );
        }
      });
    }
    it('rejects what TFLite rejects: 6-D inputs', async () => {
      await expectBothReject({ op: 'TRANSPOSE', inputs: [{ shape: [1, 2, 1, 2, 2, 2], dtype: 'uint8' }, int32([5, 4, 3, 2, 1, 0])], outputs: [{ shape: [2, 2, 2, 1, 2, 1], dtype: 'uint8' }] });
    });
  });

  describe('SPACE_TO_DEPTH', () => {
    for (const dtype of ['uint8', 'int8', 'int32', 'float32'] as DType[]) {
      it(`${dtype}: block sizes 1 to 3`, () => {
        const rand = prng(71);
        for (const [shape, block] of [[[1, 4, 6, 3], 2], [[2, 6, 3, 2], 3], [[1, 2, 2, 5], 1], [[3, 4, 4, 1], 2]] as Array<[number[], number]>) {
          const [n, h, w, c] = shape as [number, number, number, number];
          const q = quantFor(dtype, rand);
          expectSameAsTflite(
            { op: 'SPACE_TO_DEPTH', inputs: [{ shape, dtype, quant: q }], outputs: [{ shape: [n, h / block, w / block, c * block * block], dtype, quant: q }], options: new fb.SpaceToDepthOptionsT(block) },
            [randomInput(rand, dtype, shape)],
          );
        }
      });
    }
  });

  describe('PACK and UNPACK', () => {
    for (const dtype of ['uint8', 'int8', 'int16', 'int32', 'float32'] as DType[]) {
      it(`${dtype}: every axis, 1 to 4 values`, () => {
        const rand = prng(81);
        for (let n = 0; n < 16; n++) {
          const shape = randomShape(rand, randInt(rand, 0, 3), 4);
          const count = randInt(rand, 1, 4);
          const axis = randInt(rand, 0, shape.length);
          const packed = shape.slice();
          packed.splice(axis, 0, count);
          const q = quantFor(dtype, rand);
          const signedAxis = rand() < 0.5 ? axis : axis - shape.length - 1;
          expectSameAsTflite(
            { op: 'PACK', inputs: Array.from({ length: count }, () => ({ shape, dtype, quant: q })), outputs: [{ shape: packed, dtype, quant: q }], options: new fb.PackOptionsT(count, signedAxis) },
            Array.from({ length: count }, () => randomInput(rand, dtype, shape)),
            `PACK ${dtype} ${count}×[${shape}] axis ${signedAxis}`,
          );
          const unpackAxis = rand() < 0.5 ? axis : axis - packed.length;
          expectSameAsTflite(
            { op: 'UNPACK', inputs: [{ shape: packed, dtype, quant: q }], outputs: Array.from({ length: count }, () => ({ shape, dtype, quant: q })), options: new fb.UnpackOptionsT(count, unpackAxis) },
            [randomInput(rand, dtype, packed)],
            `UNPACK ${dtype} [${packed}] axis ${unpackAxis}`,
          );
        }
      });
    }
    it('rejects what TFLite rejects: UNPACK of int64', async () => {
      await expectBothReject({ op: 'UNPACK', inputs: [{ shape: [2, 3], dtype: 'int64' }], outputs: [{ shape: [3], dtype: 'int64' }, { shape: [3], dtype: 'int64' }], options: new fb.UnpackOptionsT(2, 0) });
    });
    it('PACK of int64', () => {
      const rand = prng(82);
      expectSameAsTflite(
        { op: 'PACK', inputs: [{ shape: [2, 3], dtype: 'int64' }, { shape: [2, 3], dtype: 'int64' }], outputs: [{ shape: [2, 2, 3], dtype: 'int64' }], options: new fb.PackOptionsT(2, 1) },
        [randomInput(rand, 'int64', [2, 3]), randomInput(rand, 'int64', [2, 3])],
      );
    });
    it('rejects what TFLite rejects: quantization that changes between input and output', async () => {
      const a = { scale: 0.1, zeroPoint: 3 };
      const b = { scale: 0.2, zeroPoint: 7 };
      await expectBothReject({ op: 'PACK', inputs: [{ shape: [4], dtype: 'uint8', quant: a }, { shape: [4], dtype: 'uint8', quant: a }], outputs: [{ shape: [2, 4], dtype: 'uint8', quant: b }], options: new fb.PackOptionsT(2, 0) });
      await expectBothReject({ op: 'UNPACK', inputs: [{ shape: [2, 4], dtype: 'int8', quant: a }], outputs: [{ shape: [4], dtype: 'int8', quant: b }, { shape: [4], dtype: 'int8', quant: b }], options: new fb.UnpackOptionsT(2, 0) });
    });
  });

  describe('GATHER_ND', () => {
    for (const dtype of ['uint8', 'int8', 'int32', 'float32'] as DType[]) {
      for (const indexType of ['int32', 'int64'] as DType[]) {
        it(`${dtype} params, ${indexType} indices: index depths 1 to rank`, () => {
          const rand = prng(91);
          for (let n = 0; n < 20; n++) {
            const params = randomShape(rand, randInt(rand, 1, 4), 5);
            const depth = randInt(rand, 1, params.length);
            const batch = randomShape(rand, randInt(rand, 0, 2), 3);
            const count = product(batch);
            const values = Array.from({ length: count * depth }, (_, i) => randInt(rand, 0, params[i % depth]! - 1));
            const indices = indexType === 'int32' ? new Uint8Array(Int32Array.from(values).buffer) : new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer);
            const q = quantFor(dtype, rand);
            expectSameAsTflite(
              { op: 'GATHER_ND', inputs: [{ shape: params, dtype, quant: q }, { shape: [...batch, depth], dtype: indexType }], outputs: [{ shape: [...batch, ...params.slice(depth)], dtype, quant: q }] },
              [randomInput(rand, dtype, params), indices],
              `GATHER_ND ${dtype} params [${params}] indices [${batch},${depth}]`,
            );
          }
        });
      }
    }
  });
});
