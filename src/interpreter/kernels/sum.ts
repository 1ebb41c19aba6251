import type { DType } from '../../tflite/index.js';
import { roundHalfAwayFromZero } from '../quantization-math.js';
import { planReduction } from '../reduction-plan.js';
import { registerKernel } from '../registry.js';
import { expectSameQuantization, sameQuantization, scaleAndZeroPoint } from '../static-operands.js';
import { sameTypeOperands } from './node-checks.js';

const DTYPES: readonly DType[] = ['float32', 'uint8', 'int8', 'int16', 'int32', 'int64'];
const f32 = Math.fround;

/**
 * SUM as TFLite 2.9 computes it:
 * - float32: folded in input order in float32;
 * - integers with the output's quantization (or none): raw values added in the element type,
 *   wrapping (zero points are not subtracted: the caller's graph must expect that);
 * - uint8/int8 whose output quantization differs: raw values summed in int32, then, in
 *   float32, out = round(sum · s_in/s_out − zp_in · s_in/s_out · n) + zp_out, stored without
 *   clamping (the int32 result is truncated to 8 bits). int16 must keep its quantization.
 */
registerKernel({
  op: 'SUM',
  dtypes: DTYPES,
  prepare(node) {
    const { input, output } = sameTypeOperands(node, 2, DTYPES);
    const { outputIndex, reducedCount } = planReduction(node);
    const n = outputIndex.length;
    const eightBit = input.dtype === 'uint8' || input.dtype === 'int8';

    if (eightBit && !sameQuantization(input, output)) {
      const qIn = scaleAndZeroPoint(input);
      const qOut = scaleAndZeroPoint(output);
      const scale = f32(qIn.scale / qOut.scale);
      const bias = f32(f32(-qIn.zeroPoint * scale) * f32(reducedCount));
      const sums = new Int32Array(output.size);
      const src = input.data as Uint8Array | Int8Array;
      const dst = output.data as Uint8Array | Int8Array;
      return () => {
        sums.fill(0);
        for (let i = 0; i < n; i++) sums[outputIndex[i]!] += src[i]!;
        for (let j = 0; j < sums.length; j++) {
          // The typed-array store truncates to 8 bits, as the C++ cast does.
          dst[j] = roundHalfAwayFromZero(f32(f32(f32(sums[j]!) * scale) + bias)) + qOut.zeroPoint;
        }
      };
    }
    if (input.dtype === 'int16') expectSameQuantization(node, input, output);

    if (input.dtype === 'int64') {
      // Added as Int32 pairs with carry: BigInt values would allocate.
      const src = new Int32Array(input.bytes.buffer, input.bytes.byteOffset, input.size * 2);
      const dst = new Int32Array(output.bytes.buffer, output.bytes.byteOffset, output.size * 2);
      return () => {
        dst.fill(0);
        for (let i = 0; i < n; i++) {
          const j = outputIndex[i]!;
          const low = (dst[2 * j]! >>> 0) + (src[2 * i]! >>> 0);
          dst[2 * j] = low | 0;
          dst[2 * j + 1] = (dst[2 * j + 1]! + src[2 * i + 1]! + (low > 0xffffffff ? 1 : 0)) | 0;
        }
      };
    }
    if (input.dtype === 'float32') {
      const src = input.data as Float32Array;
      const dst = output.data as Float32Array;
      return () => {
        dst.fill(0);
        for (let i = 0; i < n; i++) {
          const j = outputIndex[i]!;
          dst[j] = src[i]! + dst[j]!;
        }
      };
    }
    // Integer element types: the typed-array store wraps like the C++ arithmetic in that type.
    const src = input.data as Uint8Array | Int8Array | Int16Array | Int32Array;
    const dst = output.data as typeof src;
    return () => {
      dst.fill(0);
      for (let i = 0; i < n; i++) {
        const j = outputIndex[i]!;
        dst[j] = (src[i]! + dst[j]!) | 0;
      }
    };
  },
});
