import { expect } from 'chai';
import { fb, type DType } from '../../src/tflite/index.js';
import { Interpreter } from '../../src/interpreter/interpreter.js';
import { UnsupportedOperatorError } from '../../src/interpreter/errors.js';
import { prng } from '../helpers/prng.js';
import { singleOpModel } from '../helpers/single-op-model.js';
import { expectBothReject, expectSameAsTflite } from './conformance.js';
import { elementCount, floatBytes, inputBytes, rawBytes, SPECIAL_FLOAT_BITS } from './elementwise-inputs.js';
import { expectSameAsTfliteWhenHot } from './repeated-runs.js';

type Rand = () => number;

/** The element types TFLite 2.9's CAST converts between. */
const CAST_TYPES: DType[] = ['uint8', 'int8', 'int16', 'int32', 'uint32', 'int64', 'float32', 'bool'];
const BYTES: Record<string, number> = { uint8: 1, int8: 1, bool: 1, int16: 2, int32: 4, uint32: 4, float32: 4, int64: 8 };

/** float32 values where the x86 conversions to each integer width differ from plain truncation. */
const CONVERSION_EDGES = [
  0, -0, 0.3, -0.5, 1.5, -1.5, 2.5, -2.7, 127.9, 128.5, 255.9, 256.5, -129, 300.7, 32767.5, 32768.5, -32769, 65535.5, 65536.5,
  2147483520, 2147483648, -2147483648, -2147483904, 3e9, -3e9, 4294967040, 4294967296, 5e9, -2.1e9, 9.2e18, 9.3e18, -9.3e18, 1.8e19,
  1e20, -1e20, 16777217, 33554435,
];

/** int64 values whose float32 rounding goes wrong when taken through a double first. */
const INT64_EDGES: bigint[] = [
  0n, 1n, -1n, 2n ** 31n, -(2n ** 31n), 2n ** 32n - 1n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 60n + 2n ** 36n + 1n, 2n ** 60n + 2n ** 36n,
  2n ** 60n + 2n ** 36n - 1n, -(2n ** 60n) - 2n ** 36n - 1n, 2n ** 63n - 1n, -(2n ** 63n), 16777217n, 36028797018963971n,
];

function castInput(rand: Rand, from: DType, count: number): Uint8Array {
  if (from === 'float32') {
    const bytes = floatBytes(rand, count, 400);
    const values = new Float32Array(bytes.buffer);
    CONVERSION_EDGES.forEach((v, i) => {
      if (i < count) values[i] = v;
    });
    return bytes;
  }
  if (from === 'int64') {
    const values = new BigInt64Array(count);
    for (let i = 0; i < count; i++) {
      const r = rand();
      values[i] =
        i < INT64_EDGES.length ? INT64_EDGES[i]! : r < 0.4 ? BigInt(Math.floor(rand() * 2 ** 32) - 2 ** 31) : BigInt.asIntN(64, (BigInt(Math.floor(rand() * 2 ** 32)) << 32n) | BigInt(Math.floor(rand() * 2 ** 32)));
    }
    return new Uint8Array(values.buffer);
  }
  if (from === 'bool') {
    // Bools are bytes: TFLite reads a byte of 7 as the value 7, so do we.
    return Uint8Array.from({ length: count }, () => [0, 1, 1, 7, 255][Math.floor(rand() * 5)]!);
  }
  return rawBytes(rand, count * BYTES[from]!);
}

describe('CAST matches TFLite 2.9 byte for byte', function () {
  for (const from of CAST_TYPES) {
    it(`from ${from} to every type`, function () {
      const rand = prng(1200 + from.length);
      for (const to of CAST_TYPES) {
        for (const shape of [[1, 300], [2, 3, 1, 7]]) {
          expectSameAsTflite({ op: 'CAST', inputs: [{ shape, dtype: from }], outputs: [{ shape, dtype: to }] }, [castInput(rand, from, elementCount(shape))], `CAST ${from} -> ${to} [${shape}]`);
        }
      }
    });
  }

  it('float32 special values to every type, cold and hot', async function () {
    const bits = Uint32Array.from(SPECIAL_FLOAT_BITS);
    for (const to of CAST_TYPES) {
      await expectSameAsTfliteWhenHot({ op: 'CAST', inputs: [{ shape: [bits.length], dtype: 'float32' }], outputs: [{ shape: [bits.length], dtype: to }] }, [new Uint8Array(bits.buffer)], `CAST float32 specials -> ${to}`, 30);
    }
  });

  it('movenet\'s casts: uint8 image to float32, int32 indices to float32', function () {
    const rand = prng(1300);
    expectSameAsTflite({ op: 'CAST', inputs: [{ shape: [1, 192, 192, 3], dtype: 'uint8' }], outputs: [{ shape: [1, 192, 192, 3], dtype: 'float32' }] }, [rawBytes(rand, 192 * 192 * 3)], 'CAST image');
    expectSameAsTflite({ op: 'CAST', inputs: [{ shape: [1, 17], dtype: 'int32' }], outputs: [{ shape: [1, 17], dtype: 'float32' }] }, [inputBytes(rand, 'int32', [1, 17])], 'CAST indices');
  });

  it('refuses float64 outputs, as TFLite does', async function () {
    await expectBothReject({ op: 'CAST', inputs: [{ shape: [4], dtype: 'int32' }], outputs: [{ shape: [4], dtype: 'float64' }] });
  });

  it('refuses uint16 and float16 at create() (TFLite fails on them too; the oracle binding cannot even hold such tensors)', async function () {
    for (const to of ['uint16', 'float16'] as DType[]) {
      const model = singleOpModel({ op: 'CAST', inputs: [{ shape: [4], dtype: 'int32' }], outputs: [{ shape: [4], dtype: to }] });
      let error: unknown;
      await Interpreter.create(model).catch((e: unknown) => (error = e));
      expect(error, `CAST int32 -> ${to}`).to.be.instanceOf(UnsupportedOperatorError);
    }
  });
});

describe('ARG_MAX matches TFLite 2.9 byte for byte', function () {
  const shapes = [[1, 2304, 17], [2, 3, 4, 5], [7], [3, 1, 4], [1, 33, 33, 21], [2, 2, 2, 2, 3]];
  const options = (type: 'int32' | 'int64'): fb.ArgMaxOptionsT => new fb.ArgMaxOptionsT(type === 'int32' ? fb.TensorType.INT32 : fb.TensorType.INT64);
  const axisTensor = (axis: number, asInt64: boolean) =>
    asInt64 ? { shape: [], dtype: 'int64' as DType, data: new BigInt64Array([BigInt(axis)]) } : { shape: [1], dtype: 'int32' as DType, data: new Int32Array([axis]) };

  for (const dtype of ['float32', 'uint8', 'int8', 'int32'] as DType[]) {
    it(`${dtype}: every axis (negative too), int32 and int64 indices, many ties`, function () {
      const rand = prng(1400 + dtype.length);
      for (const shape of shapes) {
        for (let axis = -shape.length; axis < shape.length; axis++) {
          for (const type of ['int32', 'int64'] as const) {
            const k = axis < 0 ? axis + shape.length : axis;
            let bytes = inputBytes(rand, dtype, shape);
            if (dtype !== 'float32' && rand() < 0.5) bytes = bytes.map((b, i) => (dtype === 'int32' && i % 4 !== 0 ? 0 : b & 3)); // few distinct values: ties
            const quant = dtype === 'uint8' || dtype === 'int8' ? { scale: 0.1, zeroPoint: 2 } : undefined;
            expectSameAsTflite(
              { op: 'ARG_MAX', inputs: [{ shape, dtype, quant }, axisTensor(axis, rand() < 0.5)], outputs: [{ shape: shape.filter((_, d) => d !== k), dtype: type }], options: options(type) },
              [bytes],
              `ARG_MAX ${dtype} [${shape}] axis ${axis} -> ${type}`,
            );
          }
        }
      }
    });
  }

  it('bool: raw bytes, ties to the lowest index', function () {
    const rand = prng(1450);
    for (const shape of [[2, 9], [3, 4, 5]]) {
      const bytes = Uint8Array.from({ length: elementCount(shape) }, () => (rand() < 0.7 ? 0 : 1));
      expectSameAsTflite(
        { op: 'ARG_MAX', inputs: [{ shape, dtype: 'bool' }, axisTensor(-1, false)], outputs: [{ shape: shape.slice(0, -1), dtype: 'int32' }], options: options('int32') },
        [bytes],
        `ARG_MAX bool [${shape}]`,
      );
    }
  });

  it('float32: NaN, ±0 and denormal ties, cold and hot', async function () {
    const bits = Uint32Array.from([...SPECIAL_FLOAT_BITS, 0x000116c2, 0x80000000, 0x7fc00000, 0x00000001, 0]);
    const rows = 9;
    const columns = bits.length;
    const data = new Uint32Array(rows * columns);
    for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) data[r * columns + c] = bits[(c * (r + 1) + r) % columns]!;
    await expectSameAsTfliteWhenHot(
      { op: 'ARG_MAX', inputs: [{ shape: [rows, columns], dtype: 'float32' }, axisTensor(1, false)], outputs: [{ shape: [rows], dtype: 'int32' }], options: options('int32') },
      [new Uint8Array(data.buffer)],
      'ARG_MAX float32 specials',
      30,
    );
  });

  it('refuses what TFLite refuses: int16 input, int16 indices, an axis out of range', async function () {
    await expectBothReject({ op: 'ARG_MAX', inputs: [{ shape: [2, 4], dtype: 'int16' }, axisTensor(1, false)], outputs: [{ shape: [2], dtype: 'int32' }], options: options('int32') });
    await expectBothReject({ op: 'ARG_MAX', inputs: [{ shape: [2, 4], dtype: 'float32' }, axisTensor(1, false)], outputs: [{ shape: [2], dtype: 'int16' }], options: new fb.ArgMaxOptionsT(fb.TensorType.INT16) });
    await expectBothReject({ op: 'ARG_MAX', inputs: [{ shape: [2, 4], dtype: 'float32' }, axisTensor(2, false)], outputs: [{ shape: [2], dtype: 'int32' }], options: options('int32') });
  });

  it('refuses an axis computed at run time (output shapes must be known at create())', async function () {
    const model = singleOpModel({ op: 'ARG_MAX', inputs: [{ shape: [2, 4], dtype: 'float32' }, { shape: [1], dtype: 'int32' }], outputs: [{ shape: [2], dtype: 'int32' }], options: options('int32') });
    let error: unknown;
    await Interpreter.create(model).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(UnsupportedOperatorError);
  });
});
