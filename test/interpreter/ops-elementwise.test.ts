import { expect } from 'chai';
import { fb, type DType } from '../../src/tflite/index.js';
import { Interpreter } from '../../src/interpreter/interpreter.js';
import { InvalidInputError, UnsupportedOperatorError } from '../../src/interpreter/errors.js';
import { prng } from '../helpers/prng.js';
import { singleOpModel, type SingleOpSpec } from '../helpers/single-op-model.js';
import { referenceRun } from '../helpers/tflite-oracle.js';
import { expectBothReject, expectSameAsTflite } from './conformance.js';
import { broadcastOf, elementCount, floatBytes, inputBytes, randomQuant, specialFloatPairs, SPECIAL_FLOAT_BITS } from './elementwise-inputs.js';
import { expectSameAsTfliteWhenHot } from './repeated-runs.js';

type Rand = () => number;
type Options = NonNullable<SingleOpSpec['options']>;
const Act = fb.ActivationFunctionType;
const ACTIVATIONS = [Act.NONE, Act.RELU, Act.RELU_N1_TO_1, Act.RELU6];

interface BinaryOp {
  op: string;
  types: DType[];
  /** Options table with a fused activation, for the ops that have one. */
  options?: (activation: fb.ActivationFunctionType) => Options;
  /** Largest broadcast rank the TFLite 2.9 kernel handles (beyond it the runtime aborts). */
  maxBroadcastRank: number;
}

const OPS: BinaryOp[] = [
  { op: 'SUB', types: ['float32', 'int32', 'uint8', 'int8'], options: (a) => new fb.SubOptionsT(a), maxBroadcastRank: 5 },
  { op: 'MUL', types: ['float32', 'int32', 'uint8', 'int8'], options: (a) => new fb.MulOptionsT(a), maxBroadcastRank: 4 },
  { op: 'DIV', types: ['float32', 'int32'], options: (a) => new fb.DivOptionsT(a), maxBroadcastRank: 5 },
  { op: 'SQUARED_DIFFERENCE', types: ['float32', 'int32', 'int8'], maxBroadcastRank: 4 },
  { op: 'MAXIMUM', types: ['float32', 'int32', 'int16', 'uint8', 'int8'], maxBroadcastRank: 5 },
  { op: 'MINIMUM', types: ['float32', 'int32', 'int16', 'uint8', 'int8'], maxBroadcastRank: 5 },
  { op: 'FLOOR_DIV', types: ['int32', 'float32'], maxBroadcastRank: 4 },
];

/** Shape pairs: equal shapes of any rank, and broadcasts (both directions, scalars, rank 5). */
const SHAPES: Array<[number[], number[]]> = [
  [[2, 3, 4, 5], [2, 3, 4, 5]],
  [[1, 8, 8, 3], [1, 1, 1, 3]],
  [[4, 1, 5], [3, 1]],
  [[1, 6], [5, 1]],
  [[7], []],
  [[], [3, 2]],
  [[48, 48, 1], [1, 17]], // movenet's int8 SUB
  [[2, 3, 1, 2], [1, 1, 4, 2]],
  [[1, 1], [1, 1]],
  [[2, 3, 2, 2, 3], [2, 3, 2, 2, 3]],
  [[2, 2, 1, 2, 2, 2], [2, 2, 1, 2, 2, 2]],
  [[2, 1, 2, 1, 3], [1, 3, 1, 2, 1]],
];

const isQuantized = (dtype: DType): dtype is 'uint8' | 'int8' => dtype === 'uint8' || dtype === 'int8';
const sameShape = (a: number[], b: number[]): boolean => a.length === b.length && a.every((d, k) => d === b[k]);

/**
 * FLOOR_DIV fails the run on a zero divisor (a denormal counts as zero), and TFLite's int32 DIV
 * crashes the process on 0 and on INT32_MIN / −1: replace such divisors.
 */
function withoutZeroDivisors(dtype: DType, bytes: Uint8Array, noMinusOne = false): Uint8Array {
  if (dtype === 'float32') {
    const f = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    f.forEach((v, i) => {
      if (Math.abs(v) < 1.1754943508222875e-38) f[i] = 3;
    });
  } else {
    const v = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    v.forEach((x, i) => {
      if (x === 0 || (noMinusOne && x === -1)) v[i] = -7;
    });
  }
  return bytes;
}

function spec(def: BinaryOp, dtype: DType, a: number[], b: number[], activation: fb.ActivationFunctionType, rand: Rand): SingleOpSpec {
  // MAXIMUM/MINIMUM compare raw values: TFLite expects shared quantization.
  const shared = isQuantized(dtype) ? randomQuant(rand, dtype) : undefined;
  const quant = (): { scale: number; zeroPoint: number } | undefined =>
    isQuantized(dtype) ? (def.op === 'MAXIMUM' || def.op === 'MINIMUM' ? shared : randomQuant(rand, dtype)) : undefined;
  return {
    op: def.op,
    inputs: [{ shape: a, dtype, quant: quant() }, { shape: b, dtype, quant: quant() }],
    outputs: [{ shape: broadcastOf(a, b), dtype, quant: quant() }],
    options: def.options?.(activation),
  };
}

describe('element-wise binary ops match TFLite 2.9 byte for byte', function () {
  for (const def of OPS) {
    describe(def.op, function () {
      for (const dtype of def.types) {
        it(`${dtype}: shapes, broadcasting${def.options ? ', fused activations' : ''}${isQuantized(dtype) ? ', random quantization' : ''}`, function () {
          const rand = prng(def.op.length * 100 + dtype.length);
          const activations = def.options ? ACTIVATIONS : [Act.NONE];
          for (const [a, b] of SHAPES) {
            if (!sameShape(a, b) && broadcastOf(a, b).length > def.maxBroadcastRank) continue;
            for (const activation of activations) {
              const s = spec(def, dtype, a, b, activation, rand);
              let divisor = inputBytes(rand, dtype, b);
              if (def.op === 'FLOOR_DIV' || (def.op === 'DIV' && dtype === 'int32')) divisor = withoutZeroDivisors(dtype, divisor, def.op === 'DIV');
              expectSameAsTflite(s, [inputBytes(rand, dtype, a), divisor], `${def.op} ${dtype} [${a}] with [${b}] ${Act[activation]}`);
            }
          }
        });
      }

      if (def.types.includes('float32')) {
        it('float32: every pair of special values (NaN payloads, ±inf, ±0, denormals, ±FLT_MAX), cold and hot', async function () {
          const [a, b] = specialFloatPairs();
          const n = SPECIAL_FLOAT_BITS.length ** 2;
          if (def.op === 'FLOOR_DIV') withoutZeroDivisors('float32', b);
          for (const activation of def.options ? ACTIVATIONS : [Act.NONE]) {
            await expectSameAsTfliteWhenHot(
              { op: def.op, inputs: [{ shape: [n], dtype: 'float32' }, { shape: [n], dtype: 'float32' }], outputs: [{ shape: [n], dtype: 'float32' }], options: def.options?.(activation) },
              [a, b],
              `${def.op} float32 specials ${Act[activation]}`,
            );
          }
        });

        it('float32: which NaN wins when both operands are NaN, on every broadcast path', async function () {
          // The runtime's multiply swaps its operands on some broadcast paths; the others never do.
          const quietNaN = new Uint32Array([0x7fc11111]);
          const signallingNaN = new Uint32Array([0xffa22222]);
          const fill = (bits: Uint32Array, count: number): Uint8Array => new Uint8Array(new Uint32Array(count).fill(bits[0]!).buffer);
          const paths: Array<[number[], number[]]> = [[[8], [8]], [[8], []], [[], [8]], [[8, 1], [1, 8]], [[2, 8], [8]], [[2, 1, 2, 1], [1, 2, 1, 2]], [[2, 8], [2, 1]], [[1, 8], [8]], [[3, 1], [3, 5]]];
          for (const [sa, sb] of paths) {
            const divisorShape = sb;
            await expectSameAsTfliteWhenHot(
              { op: def.op, inputs: [{ shape: sa, dtype: 'float32' }, { shape: divisorShape, dtype: 'float32' }], outputs: [{ shape: broadcastOf(sa, sb), dtype: 'float32' }], options: def.options?.(Act.NONE) },
              [fill(quietNaN, elementCount(sa)), fill(signallingNaN, elementCount(sb))],
              `${def.op} NaN operands [${sa}] with [${sb}]`,
              30,
            );
          }
        });
      }

      if (def.types.some(isQuantized)) {
        it('8-bit: many quantization parameter sets on one broadcast shape', function () {
          const rand = prng(7 + def.op.length);
          for (const dtype of def.types.filter(isQuantized)) {
            for (let k = 0; k < 40; k++) {
              const s = spec(def, dtype, [3, 1, 16], [5, 1], ACTIVATIONS[k % 4]!, rand);
              expectSameAsTflite(s, [inputBytes(rand, dtype, [3, 1, 16]), inputBytes(rand, dtype, [5, 1])], `${def.op} ${dtype} set ${k}`);
            }
          }
        });
      }

      if (def.types.some(isQuantized) && (def.op === 'SUB' || def.op === 'MUL' || def.op === 'SQUARED_DIFFERENCE')) {
        it('8-bit: precomputed byte-pair tables (constant operand, outputs of 64K+ elements)', function () {
          const rand = prng(77 + def.op.length);
          for (const dtype of def.types.filter(isQuantized)) {
            const constant = spec(def, dtype, [1, 24, 24, 5], [5], ACTIVATIONS[1]!, rand);
            constant.inputs[1]!.data = (dtype === 'uint8' ? Uint8Array : Int8Array).from([0, 255, 7, 128, 3].map((v) => (dtype === 'int8' ? (v << 24) >> 24 : v)));
            expectSameAsTflite(constant, [inputBytes(rand, dtype, [1, 24, 24, 5])], `${def.op} ${dtype} constant operand`);
            const big = spec(def, dtype, [1, 64, 64, 17], [1, 64, 64, 17], ACTIVATIONS[0]!, rand);
            expectSameAsTflite(big, [inputBytes(rand, dtype, [1, 64, 64, 17]), inputBytes(rand, dtype, [1, 64, 64, 17])], `${def.op} ${dtype} large`);
          }
        });
      }

      it(`refuses broadcasts beyond rank ${def.maxBroadcastRank} at create() (TFLite 2.9 aborts the process on them)`, async function () {
        const a = [2, 1, 2, 1, 3, 2].slice(6 - def.maxBroadcastRank - 1);
        const b = [1, 3, 1, 2, 1, 1].slice(6 - def.maxBroadcastRank - 1);
        const dtype = def.types[0]!;
        const model = singleOpModel({
          op: def.op,
          inputs: [{ shape: a, dtype }, { shape: b, dtype }],
          outputs: [{ shape: broadcastOf(a, b), dtype }],
          options: def.options?.(Act.NONE),
        });
        let error: unknown;
        await Interpreter.create(model).catch((e: unknown) => (error = e));
        expect(error).to.be.instanceOf(UnsupportedOperatorError);
      });
    });
  }

  it('movenet-like SUB and MUL on int8 with broadcast constants', function () {
    // SUB [1,192,192,3] − constant [1,1,1,3] at scale 1e-6, MUL by a scalar constant: the input stage of movenet.
    const rand = prng(4242);
    const input = inputBytes(rand, 'int8', [1, 24, 24, 3]);
    expectSameAsTflite(
      {
        op: 'SUB',
        inputs: [
          { shape: [1, 24, 24, 3], dtype: 'int8', quant: { scale: 1, zeroPoint: -128 } },
          { shape: [1, 1, 1, 3], dtype: 'int8', quant: { scale: 9.999999974752427e-7, zeroPoint: 0 }, data: Int8Array.from([3, -70, 127]) },
        ],
        outputs: [{ shape: [1, 24, 24, 3], dtype: 'int8', quant: { scale: 1, zeroPoint: -128 } }],
        options: new fb.SubOptionsT(Act.NONE),
      },
      [input],
      'SUB int8 with constant',
    );
    expectSameAsTflite(
      {
        op: 'MUL',
        inputs: [
          { shape: [1, 24, 24, 3], dtype: 'int8', quant: { scale: 1, zeroPoint: -128 } },
          { shape: [], dtype: 'int8', quant: { scale: 0.00003075740460189991, zeroPoint: -128 }, data: Int8Array.from([127]) },
        ],
        outputs: [{ shape: [1, 24, 24, 3], dtype: 'int8', quant: { scale: 0.007843137718737125, zeroPoint: -128 } }],
        options: new fb.MulOptionsT(Act.NONE),
      },
      [input],
      'MUL int8 by scalar constant',
    );
  });

  it('float32 DIV of values around the overflow and underflow limits', function () {
    const rand = prng(99);
    const n = 4099;
    const a = floatBytes(rand, n, 3e38);
    const b = floatBytes(rand, n, 1e-30);
    expectSameAsTflite(
      { op: 'DIV', inputs: [{ shape: [n], dtype: 'float32' }, { shape: [n], dtype: 'float32' }], outputs: [{ shape: [n], dtype: 'float32' }], options: new fb.DivOptionsT(Act.NONE) },
      [a, b],
      'DIV extremes',
    );
  });

  describe('combinations TFLite refuses are refused at create()', function () {
    const q = { scale: 0.1, zeroPoint: 3 };
    it('SQUARED_DIFFERENCE uint8, DIV int8, FLOOR_DIV int8', async function () {
      await expectBothReject({ op: 'SQUARED_DIFFERENCE', inputs: [{ shape: [4], dtype: 'uint8', quant: q }, { shape: [4], dtype: 'uint8', quant: q }], outputs: [{ shape: [4], dtype: 'uint8', quant: q }] });
      await expectBothReject({ op: 'DIV', inputs: [{ shape: [4], dtype: 'int8', quant: q }, { shape: [4], dtype: 'int8', quant: q }], outputs: [{ shape: [4], dtype: 'int8', quant: q }], options: new fb.DivOptionsT() });
      await expectBothReject({ op: 'FLOOR_DIV', inputs: [{ shape: [4], dtype: 'int8' }, { shape: [4], dtype: 'int8' }], outputs: [{ shape: [4], dtype: 'int8' }] });
    });
    it('mismatched input types and shapes that do not broadcast', async function () {
      await expectBothReject({ op: 'SUB', inputs: [{ shape: [4], dtype: 'float32' }, { shape: [4], dtype: 'int32' }], outputs: [{ shape: [4], dtype: 'float32' }], options: new fb.SubOptionsT() });
      await expectBothReject({ op: 'MAXIMUM', inputs: [{ shape: [4], dtype: 'float32' }, { shape: [4], dtype: 'int32' }], outputs: [{ shape: [4], dtype: 'float32' }] });
      await expectBothReject({ op: 'MUL', inputs: [{ shape: [4], dtype: 'float32' }, { shape: [3], dtype: 'float32' }], outputs: [{ shape: [4], dtype: 'float32' }], options: new fb.MulOptionsT() });
    });
  });

  it('int32 DIV by zero or INT32_MIN / -1 fails the run (TFLite crashes the process on them)', async function () {
    const model = singleOpModel({ op: 'DIV', inputs: [{ shape: [2], dtype: 'int32' }, { shape: [2], dtype: 'int32' }], outputs: [{ shape: [2], dtype: 'int32' }], options: new fb.DivOptionsT(Act.NONE) });
    const interpreter = await Interpreter.create(model);
    const int32s = (values: number[]): Uint8Array => new Uint8Array(Int32Array.from(values).buffer);
    expect(() => interpreter.runSync([int32s([7, 8]), int32s([2, 0])])).to.throw(InvalidInputError);
    expect(() => interpreter.runSync([int32s([-2147483648, 8]), int32s([-1, 2])])).to.throw(InvalidInputError);
    expect(Array.from(interpreter.runSync([int32s([-7, 7]), int32s([2, -2])])[0] as Int32Array)).to.deep.equal([-3, -3]);
  });

  describe('FLOOR_DIV by zero fails the run, as in TFLite', function () {
    for (const dtype of ['int32', 'float32'] as DType[]) {
      it(dtype, async function () {
        // The float divisor is a denormal: TFLite's zero check reads it as 0 (DAZ).
        const divisor = dtype === 'int32' ? new Uint8Array(Int32Array.from([4, 0, 2]).buffer) : new Uint8Array(Float32Array.from([4, 1e-40, 2]).buffer);
        const s: SingleOpSpec = { op: 'FLOOR_DIV', inputs: [{ shape: [3], dtype }, { shape: [3], dtype }], outputs: [{ shape: [3], dtype }] };
        const model = singleOpModel(s);
        const dividend = new Uint8Array(12);
        expect(() => referenceRun(model, [dividend, divisor])).to.throw(/Division by 0/);
        const interpreter = await Interpreter.create(model);
        expect(() => interpreter.runSync([dividend, divisor])).to.throw(InvalidInputError);
      });
    }
  });
});
