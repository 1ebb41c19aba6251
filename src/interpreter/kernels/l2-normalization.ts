import { fb } from '../../tflite/index.js';
import { unaryOperands, float32Bits, flushDenormal, fusedActivation, isNaNBits, isQuantized8, nanResultBits } from '../elementwise-support.js';
import { invSqrtQuantizedMultiplier } from '../inv-sqrt-multiplier.js';
import { multiplyByQuantizedMultiplier, multiplyByQuantizedMultiplierSmallerThanOne } from '../quantization-math.js';
import { registerKernel } from '../registry.js';
import { expectSameType, expectShape, invalid, perTensorQuantization, unsupported } from './node-checks.js';

/** TFLite's float L2_NORMALIZATION divides by max(norm, 1e-6). */
const EPSILON = Math.fround(1e-6);
/** The output scale TFLite requires for 8-bit outputs: 1/128 (values in [−1, 127/128]). */
const OUTPUT_SCALE = 1 / 128;

/**
 * L2_NORMALIZATION over the last dimension (input rank ≤ 4, no fused activation, as TFLite
 * requires). float32: x / max(sqrt(Σx²), 1e-6), the sum in float32 in index order.
 * uint8 (output scale 1/128, zero point 128) and int8 (scale 1/128, zero point 0): the
 * integer sum of squared offsets gives an inverse-square-root multiplier
 * (GetInvSqrtQuantizedMultiplierExp); uint8 outputs 128 + M(128·d), int8 outputs M(d) with the
 * shift raised by 7.
 */
registerKernel({
  op: 'L2_NORMALIZATION',
  dtypes: ['float32', 'uint8', 'int8'],
  prepare(node) {
    const { input, output } = unaryOperands(node);
    expectSameType(node, input, output);
    expectShape(node, output, input.shape);
    const rank = input.shape.length;
    if (rank < 1 || rank > 4) {
      throw unsupported(node, `input has rank ${rank}; TFLite's L2_NORMALIZATION takes ranks 1 to 4`);
    }
    if (fusedActivation(node.options) !== fb.ActivationFunctionType.NONE) {
      throw invalid(node, `TFLite's L2_NORMALIZATION has no fused activation; the model sets one`);
    }
    const depth = input.shape[rank - 1]!;
    const rows = depth === 0 ? 0 : input.size / depth;

    if (input.dtype === 'float32') {
      const x = input.data as Float32Array;
      const y = output.data as Float32Array;
      const [xb, yb] = [float32Bits(x), float32Bits(y)];
      const vectorEnd = depth - (depth % 4);
      return () => {
        for (let r = 0, base = 0; r < rows; r++, base += depth) {
          let sum = 0;
          // The NaN payload a NaN norm carries. The runtime adds the squares in order, 4 per loop
          // iteration plus a scalar tail; in lanes 1 and 2 of the 4-wide part its addition takes
          // the new square as first operand (a later NaN replaces the sum's), elsewhere the sum.
          let normBits = 0;
          for (let c = 0; c < depth; c++) {
            const v = flushDenormal(x[base + c]!);
            sum = flushDenormal(Math.fround(sum + flushDenormal(Math.fround(v * v))));
            const bits = xb[base + c]!;
            if (isNaNBits(bits) && (normBits === 0 || (c < vectorEnd && ((c & 3) === 1 || (c & 3) === 2)))) normBits = nanResultBits(bits, 0);
          }
          const norm = Math.fround(Math.sqrt(sum));
          const divisor = norm < EPSILON ? EPSILON : norm;
          for (let c = 0; c < depth; c++) {
            const v = flushDenormal(Math.fround(flushDenormal(x[base + c]!) / divisor));
            if (v !== v) yb[base + c] = nanResultBits(xb[base + c]!, normBits);
            else y[base + c] = v;
          }
        }
      };
    }
    const dtype = input.dtype;
    if (!isQuantized8(dtype)) throw invalid(node, `unsupported element type ${dtype}`);
    const qi = perTensorQuantization(node, input);
    const qo = perTensorQuantization(node, output);
    const expectedZero = dtype === 'uint8' ? 128 : 0;
    if (qo.scale !== OUTPUT_SCALE || qo.zeroPoint !== expectedZero) {
      throw invalid(node, `output quantization is (scale ${qo.scale}, zero point ${qo.zeroPoint}); TFLite requires scale 1/128 and zero point ${expectedZero} for ${dtype}`);
    }
    const x = dtype === 'uint8' ? (input.data as Uint8Array) : (input.data as Int8Array);
    const y = output.bytes;
    const zp = qi.zeroPoint;
    const inverse = new Int32Array(2); // [multiplier, shift] of the current row
    if (dtype === 'uint8') {
      return () => {
        for (let r = 0, base = 0; r < rows; r++, base += depth) {
          let sum = 0;
          for (let c = 0; c < depth; c++) {
            const d = x[base + c]! - zp;
            sum = (sum + d * d) | 0;
          }
          invSqrtQuantizedMultiplier(sum, -1, inverse);
          const multiplier = inverse[0]!;
          const shift = inverse[1]!;
          for (let c = 0; c < depth; c++) {
            const v = 128 + multiplyByQuantizedMultiplierSmallerThanOne(128 * (x[base + c]! - zp), multiplier, shift);
            y[base + c] = v < 0 ? 0 : v > 255 ? 255 : v;
          }
        }
      };
    }
    return () => {
      for (let r = 0, base = 0; r < rows; r++, base += depth) {
        let sum = 0;
        for (let c = 0; c < depth; c++) {
          const d = x[base + c]! - zp;
          sum = (sum + d * d) | 0;
        }
        invSqrtQuantizedMultiplier(sum, -1, inverse);
        const multiplier = inverse[0]!;
        const shift = inverse[1]!;
        for (let c = 0; c < depth; c++) {
          const v = multiplyByQuantizedMultiplier(x[base + c]! - zp, multiplier, shift + 7);
          y[base + c] = (v < -128 ? -128 : v > 127 ? 127 : v) & 255;
        }
      }
    };
  },
});
