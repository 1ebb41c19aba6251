import { expect } from 'chai';
import { l2NormalizeInPlace } from '../../src/learn/l2-normalize.js';
import { dequantizeValue, quantizeToInt32, quantizeToUint8, quantizeValue, roundHalfAwayFromZero, uint8QuantizationFor } from '../../src/learn/quantization.js';

describe('learn: quantization arithmetic (libcoral parity)', function () {
  it('QuantizationParams<uint8> gives the float32 results of libcoral', function () {
    // (min, max) → (scale, zero point), computed in float32 as libcoral does.
    const table: Array<[number, number, number, number]> = [
      [-0.3, 0.5, 0.0031372549, 96],
      [0, 11, 0.0431372561, 0],
      [-1, 1, 0.0078431377, 127], // float64 arithmetic would give 128
      [-0.05, 0.07, 0.00047058825, 106],
      [-2.5, 0, 0.0098039219, 255],
    ];
    for (const [min, max, scale, zp] of table) {
      const q = uint8QuantizationFor(min, max);
      expect(q.scale, `scale for (${min}, ${max})`).to.be.closeTo(scale, 1e-10);
      expect(q.scale).to.equal(Math.fround(q.scale));
      expect(q.zeroPoint, `zero point for (${min}, ${max})`).to.equal(zp);
    }
  });

  it('maps the range ends and 0 onto the uint8 grid', function () {
    const q = uint8QuantizationFor(-0.3, 0.5);
    expect(quantizeValue(0.1, q.scale, q.zeroPoint, 0, 255)).to.equal(128);
    expect(quantizeValue(0.5, q.scale, q.zeroPoint, 0, 255)).to.equal(255);
    expect(quantizeValue(-0.3, q.scale, q.zeroPoint, 0, 255)).to.equal(0);
    expect(quantizeValue(0, q.scale, q.zeroPoint, 0, 255)).to.equal(96);
  });

  it('a zero range gives scale 0, a range without 0 is refused', function () {
    expect(uint8QuantizationFor(0, 0)).to.include({ scale: 0, zeroPoint: 0 });
    expect(() => uint8QuantizationFor(0.1, 1)).to.throw(RangeError);
    expect(() => uint8QuantizationFor(-1, -0.1)).to.throw(RangeError);
  });

  it('rounds halves away from zero like std::round', function () {
    expect([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.4999].map(roundHalfAwayFromZero)).to.deep.equal([-3, -2, -1, 1, 2, 3, 2]);
    // -0.5 / 1 + 0 rounds to -1 (Math.round would give -0): visible with int32 outputs.
    expect(Array.from(quantizeToInt32([-0.5, -1.5, 0.5], 1, 0))).to.deep.equal([-1, -2, 1]);
  });

  it('clamps to the type bounds', function () {
    expect(Array.from(quantizeToUint8([-10, 10, 0.5], 0.01, 128))).to.deep.equal([0, 255, 178]);
    expect(Array.from(quantizeToInt32([1e20, -1e20], 1, 0))).to.deep.equal([2147483647, -2147483648]);
  });

  it('dequantizes with an integer subtraction and a float32 product', function () {
    expect(dequantizeValue(200, 0.023528477, 0)).to.equal(Math.fround(Math.fround(0.023528477) * 200));
    expect(dequantizeValue(0, 1 / 128, 128)).to.equal(-1);
  });

  it('L2 normalization returns the float32 norm and leaves a zero vector alone', function () {
    const v = Float32Array.of(3, 4);
    expect(l2NormalizeInPlace(v)).to.equal(5);
    expect(Array.from(v)).to.deep.equal([Math.fround(0.6), Math.fround(0.8)]);
    const zero = new Float32Array(4);
    expect(l2NormalizeInPlace(zero)).to.equal(0);
    expect(Array.from(zero)).to.deep.equal([0, 0, 0, 0]);
    const tiny = Float32Array.of(1e-6, 0);
    expect(l2NormalizeInPlace(tiny)).to.be.closeTo(1e-6, 1e-12);
    expect(tiny[0]).to.equal(Math.fround(1e-6)); // at or below 1e-5 the vector is left as it is
  });
});
