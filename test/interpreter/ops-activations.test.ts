import { expect } from 'chai';
import { Model, fb, type DType } from '../../src/tflite/index.js';
import { Interpreter } from '../../src/interpreter/interpreter.js';
import { InvalidInputError, UnsupportedOperatorError } from '../../src/interpreter/errors.js';
import { prng } from '../helpers/prng.js';
import { singleOpModel, type SingleOpSpec } from '../helpers/single-op-model.js';
import { referenceRun } from '../helpers/tflite-oracle.js';
import { expectBothReject, expectSameAsTflite } from './conformance.js';
import { allBytesThenRandom, elementCount, floatBytes, inputBytes, randomQuant, SPECIAL_FLOAT_BITS } from './elementwise-inputs.js';
import { expectSameAsTfliteWhenHot } from './repeated-runs.js';

type Quant = { scale: number; zeroPoint: number };
const EIGHT_BIT: Array<'uint8' | 'int8'> = ['uint8', 'int8'];

/** Sizes around the runtime's 4-float SSE packets: the last size mod 4 elements take another code path. */
const FLOAT_SIZES = [1, 2, 3, 4, 5, 7, 8, 13, 37, 4099];

/** Special values at every position of a vector, so each meets both the packet and the tail path. */
function specialsEverywhere(size: number): Uint8Array {
  const bits = new Uint32Array(size);
  for (let i = 0; i < size; i++) bits[i] = SPECIAL_FLOAT_BITS[i % SPECIAL_FLOAT_BITS.length]!;
  return new Uint8Array(bits.buffer);
}

function unary(op: string, dtype: DType, shape: number[], qi?: Quant, qo?: Quant, options?: SingleOpSpec['options']): SingleOpSpec {
  return { op, inputs: [{ shape, dtype, quant: qi }], outputs: [{ shape, dtype, quant: qo }], options };
}

/** Float32 checks for a unary op: random values at several sizes, and all specials, cold and hot. */
function floatUnaryTests(op: string, seed: number): void {
  it('float32: values over the whole range, sizes around the SSE packet width', function () {
    const rand = prng(seed);
    for (const size of FLOAT_SIZES) expectSameAsTflite(unary(op, 'float32', [size]), [floatBytes(rand, size)], `${op} float32 [${size}]`);
    expectSameAsTflite(unary(op, 'float32', [2, 3, 4, 5]), [floatBytes(rand, 120, 30)], `${op} float32 [2,3,4,5]`);
  });
  it('float32: special values in every packet lane and in the tail, cold and hot', async function () {
    // 4 · 31 elements: each special value once in each of the four lanes of the packet path.
    const packets = SPECIAL_FLOAT_BITS.length * 4;
    await expectSameAsTfliteWhenHot(unary(op, 'float32', [packets]), [specialsEverywhere(packets)], `${op} float32 specials in packets`);
    // Three elements: all on the scalar tail path.
    for (let first = 0; first < SPECIAL_FLOAT_BITS.length; first += 3) {
      const bits = Uint32Array.from({ length: 3 }, (_, k) => SPECIAL_FLOAT_BITS[(first + k) % SPECIAL_FLOAT_BITS.length]!);
      await expectSameAsTfliteWhenHot(unary(op, 'float32', [3]), [new Uint8Array(bits.buffer)], `${op} float32 specials in the tail from ${first}`, 20);
    }
  });
}

describe('activation ops match TFLite 2.9 byte for byte', function () {
  for (const op of ['RELU', 'RELU6', 'RELU_N1_TO_1']) {
    describe(op, function () {
      for (const dtype of EIGHT_BIT) {
        it(`${dtype}: every input byte, random input and output quantization`, function () {
          const rand = prng(op.length * 10 + dtype.length);
          for (let k = 0; k < 40; k++) {
            expectSameAsTflite(unary(op, dtype, [1, 300], randomQuant(rand, dtype), randomQuant(rand, dtype)), [allBytesThenRandom(rand, 300)], `${op} ${dtype} set ${k}`);
          }
          // Same quantization in and out (the common case), several shapes.
          for (const shape of [[1, 4, 4, 16], [7], [2, 3, 5]]) {
            const q = randomQuant(rand, dtype);
            expectSameAsTflite(unary(op, dtype, shape, q, q), [inputBytes(rand, dtype, shape)], `${op} ${dtype} [${shape}]`);
          }
        });
      }
      floatUnaryTests(op, 300 + op.length);
    });
  }

  describe('LOGISTIC', function () {
    for (const dtype of EIGHT_BIT) {
      it(`${dtype}: every input byte, output scale 1/256 with the usual and other zero points`, function () {
        const rand = prng(41 + dtype.length);
        const usual = dtype === 'uint8' ? 0 : -128;
        for (let k = 0; k < 40; k++) {
          const zeroPoint = k % 3 === 0 ? randomQuant(rand, dtype).zeroPoint : usual;
          expectSameAsTflite(unary('LOGISTIC', dtype, [1, 300], randomQuant(rand, dtype), { scale: 1 / 256, zeroPoint }), [allBytesThenRandom(rand, 300)], `LOGISTIC ${dtype} set ${k}`);
        }
      });
      it(`${dtype}: any other output scale is refused`, async function () {
        await expectBothReject(unary('LOGISTIC', dtype, [4], { scale: 0.1, zeroPoint: 0 }, { scale: 1 / 128, zeroPoint: 0 }));
      });
    }
    floatUnaryTests('LOGISTIC', 501);
    it('float32: the scalar tail matches glibc expf on many inputs', function () {
      // Three elements: all take the tail path (std::exp), where Math.exp would be off by an ulp now and then.
      const rand = prng(502);
      const model = singleOpModel(unary('LOGISTIC', 'float32', [3]));
      const interpreter = Interpreter.fromModel(Model.fromBuffer(model));
      for (let k = 0; k < 1500; k++) {
        const x = new Float32Array(3).map(() => (rand() * 2 - 1) * (k % 2 ? 20 : 100));
        const input = new Uint8Array(x.buffer);
        const theirs = referenceRun(model, [input]).outputs[0]!.bytes;
        const ours = interpreter.runSync([input])[0]!;
        expect(Array.from(new Uint8Array(ours.buffer, ours.byteOffset, 12)), `LOGISTIC [${Array.from(x)}]`).to.deep.equal(Array.from(theirs));
      }
    });
  });

  describe('TANH', function () {
    for (const dtype of EIGHT_BIT) {
      it(`${dtype}: every input byte (TFLite 2.9 tabulates float tanh), usual and random output quantization`, function () {
        const rand = prng(61 + dtype.length);
        for (let k = 0; k < 40; k++) {
          const out = k % 2 ? randomQuant(rand, dtype) : { scale: 1 / 128, zeroPoint: dtype === 'uint8' ? 128 : 0 };
          expectSameAsTflite(unary('TANH', dtype, [1, 300], randomQuant(rand, dtype), out), [allBytesThenRandom(rand, 300)], `TANH ${dtype} set ${k}`);
        }
      });
    }
    floatUnaryTests('TANH', 601);
  });

  describe('SQRT', function () {
    floatUnaryTests('SQRT', 701);
    it('refuses 8-bit inputs, as TFLite does', async function () {
      await expectBothReject(unary('SQRT', 'int8', [4], { scale: 0.1, zeroPoint: 0 }, { scale: 0.1, zeroPoint: 0 }));
    });
  });

  describe('RSQRT', function () {
    floatUnaryTests('RSQRT', 801);
    it('int8: every non-negative input, random quantization', function () {
      const rand = prng(802);
      for (let k = 0; k < 60; k++) {
        const qi = randomQuant(rand, 'int8');
        const qo = randomQuant(rand, 'int8');
        const bytes: number[] = [];
        for (let v = qi.zeroPoint; v <= 127; v++) bytes.push(v & 255);
        expectSameAsTflite(unary('RSQRT', 'int8', [bytes.length], qi, qo), [Uint8Array.from(bytes)], `RSQRT int8 set ${k}`);
      }
    });
    it('int8: a value below the zero point fails the run, as in TFLite', async function () {
      const s = unary('RSQRT', 'int8', [3], { scale: 0.1, zeroPoint: 0 }, { scale: 0.1, zeroPoint: 0 });
      const model = singleOpModel(s);
      const input = Uint8Array.from([4, 255, 9]); // 255 is −1
      expect(() => referenceRun(model, [input])).to.throw(/only defined for positive/);
      const interpreter = await Interpreter.create(model);
      expect(() => interpreter.runSync([input])).to.throw(InvalidInputError);
    });
    it('refuses uint8, as TFLite does', async function () {
      await expectBothReject(unary('RSQRT', 'uint8', [4], { scale: 0.1, zeroPoint: 0 }, { scale: 0.1, zeroPoint: 0 }));
    });
  });

  describe('PRELU', function () {
    const shapes: Array<[number[], number[]]> = [
      [[2, 3, 4, 5], [2, 3, 4, 5]],
      [[1, 4, 4, 3], [3]],
      [[1, 4, 4, 3], [1, 1, 3]],
      [[2, 3, 4, 5], [1, 3, 1, 5]],
      [[2, 5], [5]],
      [[7], [1]],
      [[3, 2, 2, 3], []],
      [[2, 2, 2, 2, 3], [2, 2, 2, 2, 3]],
    ];
    for (const dtype of ['float32', 'uint8', 'int8'] as DType[]) {
      it(`${dtype}: alpha broadcasting${dtype === 'float32' ? ', values over the whole range' : ', random quantization'}`, function () {
        const rand = prng(900 + dtype.length);
        const q = (): Quant | undefined => (dtype === 'float32' ? undefined : randomQuant(rand, dtype as 'uint8' | 'int8'));
        for (let round = 0; round < 3; round++) {
          for (const [x, alpha] of shapes) {
            expectSameAsTflite(
              { op: 'PRELU', inputs: [{ shape: x, dtype, quant: q() }, { shape: alpha, dtype, quant: q() }], outputs: [{ shape: x, dtype, quant: q() }] },
              [inputBytes(rand, dtype, x), inputBytes(rand, dtype, alpha)],
              `PRELU ${dtype} [${x}] alpha [${alpha}]`,
            );
          }
        }
      });
    }
    it('8-bit: constant alpha (the usual case; the run uses a per-byte-pair table)', function () {
      const rand = prng(960);
      for (const dtype of EIGHT_BIT) {
        for (let k = 0; k < 6; k++) {
          const alpha = inputBytes(rand, dtype, [16]);
          expectSameAsTflite(
            {
              op: 'PRELU',
              inputs: [{ shape: [1, 8, 8, 16], dtype, quant: randomQuant(rand, dtype) }, { shape: [16], dtype, quant: randomQuant(rand, dtype), data: dtype === 'uint8' ? alpha : new Int8Array(alpha.buffer) }],
              outputs: [{ shape: [1, 8, 8, 16], dtype, quant: randomQuant(rand, dtype) }],
            },
            [inputBytes(rand, dtype, [1, 8, 8, 16])],
            `PRELU ${dtype} constant alpha ${k}`,
          );
        }
      }
    });
    it('float32: alpha broadcast at ranks 4 to 7 (five-fold and 4-D paths), specials cold and hot', async function () {
      const rand = prng(950);
      for (const [x, alpha] of [[[2, 2, 1, 2, 3], [3]], [[2, 1, 2, 1, 2, 2, 3], [2, 2, 3]], [[2, 2, 3, 2, 3], [2, 1, 1, 1, 3]], [[3, 2, 2, 3], [2, 1, 3]]] as Array<[number[], number[]]>) {
        expectSameAsTflite({ op: 'PRELU', inputs: [{ shape: x, dtype: 'float32' }, { shape: alpha, dtype: 'float32' }], outputs: [{ shape: x, dtype: 'float32' }] }, [floatBytes(rand, elementCount(x)), floatBytes(rand, elementCount(alpha))], `PRELU float32 [${x}]`);
      }
      const n = SPECIAL_FLOAT_BITS.length;
      const xs = new Uint32Array(n * n);
      const alphas = new Uint32Array(n * n);
      for (let i = 0; i < n * n; i++) {
        xs[i] = SPECIAL_FLOAT_BITS[Math.floor(i / n)]!;
        alphas[i] = SPECIAL_FLOAT_BITS[i % n]!;
      }
      await expectSameAsTfliteWhenHot(
        { op: 'PRELU', inputs: [{ shape: [n * n], dtype: 'float32' }, { shape: [n * n], dtype: 'float32' }], outputs: [{ shape: [n * n], dtype: 'float32' }] },
        [new Uint8Array(xs.buffer), new Uint8Array(alphas.buffer)],
        'PRELU float32 specials',
      );
    });
    it('refuses the broadcasts TFLite 2.9 aborts the process on, at create()', async function () {
      // 8-bit: any broadcast beyond rank 4; float32: beyond rank 4 when the five-fold loop cannot do it.
      const q = { scale: 0.1, zeroPoint: 0 };
      const cases: Array<[DType, number[], number[]]> = [['int8', [2, 2, 2, 2, 3], [3]], ['float32', [2, 2, 2, 2, 3], [2, 1, 3]], ['float32', [2, 1, 2, 1, 2, 2, 3], [2, 1, 3]]];
      for (const [dtype, x, alpha] of cases) {
        const quant = dtype === 'float32' ? undefined : q;
        const model = singleOpModel({ op: 'PRELU', inputs: [{ shape: x, dtype, quant }, { shape: alpha, dtype, quant }], outputs: [{ shape: x, dtype, quant }] });
        let error: unknown;
        await Interpreter.create(model).catch((e: unknown) => (error = e));
        expect(error, `PRELU ${dtype} [${x}] alpha [${alpha}]`).to.be.instanceOf(UnsupportedOperatorError);
      }
    });
    it('refuses mismatched input and alpha types', async function () {
      await expectBothReject({ op: 'PRELU', inputs: [{ shape: [4], dtype: 'float32' }, { shape: [4], dtype: 'int32' }], outputs: [{ shape: [4], dtype: 'float32' }] });
    });
  });

  describe('L2_NORMALIZATION', function () {
    const shapes = [[1, 1, 1, 8], [2, 3, 5], [4, 17], [3], [1, 2, 2, 300], [2, 1], [5, 2]];
    const options = (activation = fb.ActivationFunctionType.NONE): fb.L2NormOptionsT => new fb.L2NormOptionsT(activation);
    for (const dtype of EIGHT_BIT) {
      it(`${dtype}: random input quantization, rows of every length, all-zero and one-hot rows`, function () {
        const rand = prng(1000 + dtype.length);
        const output = { scale: 1 / 128, zeroPoint: dtype === 'uint8' ? 128 : 0 };
        for (let round = 0; round < 4; round++) {
          for (const shape of shapes) {
            const qi = randomQuant(rand, dtype);
            let bytes = inputBytes(rand, dtype, shape);
            if (round === 2) bytes = new Uint8Array(bytes.length).fill(qi.zeroPoint & 255); // sum of squares 0
            if (round === 3) {
              bytes = new Uint8Array(bytes.length).fill(qi.zeroPoint & 255);
              bytes[0] = (qi.zeroPoint + (qi.zeroPoint < (dtype === 'uint8' ? 255 : 127) ? 1 : -1)) & 255; // sum of squares 1
            }
            expectSameAsTflite(unary('L2_NORMALIZATION', dtype, shape, qi, output, options()), [bytes], `L2_NORMALIZATION ${dtype} [${shape}] round ${round}`);
          }
        }
      });
      it(`${dtype}: any other output quantization is refused`, async function () {
        await expectBothReject(unary('L2_NORMALIZATION', dtype, [1, 4], { scale: 0.1, zeroPoint: 0 }, { scale: 1 / 256, zeroPoint: dtype === 'uint8' ? 128 : 0 }, options()));
        await expectBothReject(unary('L2_NORMALIZATION', dtype, [1, 4], { scale: 0.1, zeroPoint: 0 }, { scale: 1 / 128, zeroPoint: dtype === 'uint8' ? 0 : 5 }, options()));
      });
    }
    it('float32: values over the whole range, tiny rows (epsilon), specials', async function () {
      const rand = prng(1100);
      for (const shape of shapes) {
        expectSameAsTflite(unary('L2_NORMALIZATION', 'float32', shape, undefined, undefined, options()), [floatBytes(rand, elementCount(shape))], `L2_NORMALIZATION float32 [${shape}]`);
        const tiny = new Float32Array(elementCount(shape)).map(() => (rand() - 0.5) * 1e-3);
        expectSameAsTflite(unary('L2_NORMALIZATION', 'float32', shape, undefined, undefined, options()), [new Uint8Array(tiny.buffer)], `L2_NORMALIZATION float32 tiny [${shape}]`);
      }
      const n = SPECIAL_FLOAT_BITS.length;
      await expectSameAsTfliteWhenHot(unary('L2_NORMALIZATION', 'float32', [n, n], undefined, undefined, options()), [specialsEverywhere(n * n)], 'L2_NORMALIZATION float32 specials');
    });
    it('float32: NaN payload of the norm for every pair of NaN positions (rows of 3 to 9)', async function () {
      const one = 0x3f800000;
      for (let depth = 3; depth <= 9; depth++) {
        const rows: number[] = [];
        for (let p = 0; p < depth; p++) {
          for (let q = p + 1; q < depth; q++) {
            const row = new Array<number>(depth).fill(one);
            row[p] = 0x7fc00111;
            row[q] = 0xffa00222;
            rows.push(...row);
          }
        }
        const count = rows.length / depth;
        await expectSameAsTfliteWhenHot(unary('L2_NORMALIZATION', 'float32', [count, depth], undefined, undefined, options()), [new Uint8Array(Uint32Array.from(rows).buffer)], `L2_NORMALIZATION NaN pairs depth ${depth}`, 20);
      }
    });
    it('refuses rank 5 and fused activations, as TFLite does', async function () {
      await expectBothReject(unary('L2_NORMALIZATION', 'float32', [1, 1, 1, 2, 4], undefined, undefined, options()));
      await expectBothReject(unary('L2_NORMALIZATION', 'float32', [2, 4], undefined, undefined, options(fb.ActivationFunctionType.RELU)));
    });
  });

  it('refuses types TFLite has no kernel for', async function () {
    await expectBothReject(unary('RELU', 'int32', [4]));
    await expectBothReject(unary('TANH', 'int32', [4]));
  });
});

