import type { DType } from '../../tflite/index.js';
import type { KernelNode, KernelRun } from '../kernel.js';
import { planReduction } from '../reduction-plan.js';
import { registerKernel } from '../registry.js';
import { expectSameQuantization } from '../static-operands.js';
import { sameTypeOperands } from './node-checks.js';

export const EXTREMUM_DTYPES: readonly DType[] = ['float32', 'uint8', 'int8', 'int16', 'int32', 'int64'];
const FLT_MAX = 3.4028234663852886e38;

/**
 * REDUCE_MAX / REDUCE_MIN: each output starts at the type's lowest (highest) value (−FLT_MAX
 * for float32, not −∞) and takes an input when it is strictly greater (smaller), in input
 * order. Quantized data is compared raw, so input and output must share quantization.
 */
export function prepareExtremum(node: KernelNode, max: boolean): KernelRun {
  const { input, output } = sameTypeOperands(node, 2, EXTREMUM_DTYPES);
  if (input.dtype === 'uint8' || input.dtype === 'int8' || input.dtype === 'int16') expectSameQuantization(node, input, output);
  const { outputIndex } = planReduction(node);
  const n = outputIndex.length;

  if (input.dtype === 'int64') {
    // Compared as (high signed, low unsigned) Int32 pairs: BigInt values would allocate.
    const src = new Int32Array(input.bytes.buffer, input.bytes.byteOffset, input.size * 2);
    const dst = new Int32Array(output.bytes.buffer, output.bytes.byteOffset, output.size * 2);
    const initHigh = max ? -2147483648 : 2147483647;
    const initLow = max ? 0 : -1;
    return () => {
      for (let j = 0; j < output.size; j++) {
        dst[2 * j] = initLow;
        dst[2 * j + 1] = initHigh;
      }
      for (let i = 0; i < n; i++) {
        const j = outputIndex[i]!;
        const hi = src[2 * i + 1]!;
        const lo = src[2 * i]! >>> 0;
        const curHi = dst[2 * j + 1]!;
        const curLo = dst[2 * j]! >>> 0;
        const better = max ? hi > curHi || (hi === curHi && lo > curLo) : hi < curHi || (hi === curHi && lo < curLo);
        if (better) {
          dst[2 * j] = lo | 0;
          dst[2 * j + 1] = hi;
        }
      }
    };
  }

  const src = input.data as Float32Array | Uint8Array | Int8Array | Int16Array | Int32Array;
  const dst = output.data as typeof src;
  const init = initialValue(input.dtype, max);
  return () => {
    dst.fill(init);
    if (max) {
      for (let i = 0; i < n; i++) {
        const j = outputIndex[i]!;
        const v = src[i]!;
        if (v > dst[j]!) dst[j] = v;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const j = outputIndex[i]!;
        const v = src[i]!;
        if (v < dst[j]!) dst[j] = v;
      }
    }
  };
}

function initialValue(dtype: DType, max: boolean): number {
  switch (dtype) {
    case 'float32': return max ? -FLT_MAX : FLT_MAX;
    case 'uint8': return max ? 0 : 255;
    case 'int8': return max ? -128 : 127;
    case 'int16': return max ? -32768 : 32767;
    default: return max ? -2147483648 : 2147483647;
  }
}

registerKernel({ op: 'REDUCE_MAX', dtypes: EXTREMUM_DTYPES, prepare: (node) => prepareExtremum(node, true) });
