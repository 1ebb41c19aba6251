/**
 * QUANTIZE: float32 → uint8/int8/int16, and requantization between 8-bit types
 * (uint8 ↔ int8, or a change of scale within one type).
 *   float:   q = clamp(round(x / s_out) + zp_out), the division in float32, halves away from zero.
 *   integer: q = clamp(MultiplyByQuantizedMultiplier(x − zp_in, M) + zp_out) with M from
 *            s_in / s_out (double), the reference double-rounding form.
 */
import { integerRange } from '../activation-range.js';
import type { KernelNode, KernelRun } from '../kernel.js';
import { multiplyByQuantizedMultiplier, quantizeMultiplier } from '../quantization-math.js';
import { registerKernel } from '../registry.js';
import { expectCounts, expectShape, expectType, perTensorQuantization, requiredInput, requiredOutput } from './node-checks.js';

const f32 = Math.fround;

function prepareQuantize(node: KernelNode): KernelRun {
  expectCounts(node, [1, 1], 1);
  const inT = requiredInput(node, 0);
  const outT = requiredOutput(node, 0);
  expectType(node, inT, ['float32', 'uint8', 'int8'], 'the input');
  expectType(node, outT, inT.dtype === 'float32' ? ['uint8', 'int8', 'int16'] : ['uint8', 'int8'], 'the output');
  expectShape(node, outT, inT.shape, 'the output');
  const out = perTensorQuantization(node, outT, 'the output');
  const [qmin, qmax] = integerRange(outT.dtype);
  const y = outT.data as Uint8Array | Int8Array | Int16Array;
  const n = outT.size;
  const zpOut = out.zeroPoint;

  if (inT.dtype === 'float32') {
    const x = inT.data as Float32Array;
    const scale = f32(out.scale);
    return function quantizeFloat(): void {
      for (let i = 0; i < n; i++) {
        const r = f32(x[i]! / scale);
        // NaN converts to INT32_MIN on x86, which clamps to the type's minimum.
        const q = r !== r ? qmin : (r < 0 ? -Math.round(-r) : Math.round(r)) + zpOut;
        y[i] = q < qmin ? qmin : q > qmax ? qmax : q;
      }
    };
  }

  const inQ = perTensorQuantization(node, inT, 'the input');
  const { multiplier, shift } = quantizeMultiplier(inQ.scale / out.scale);
  const x = inT.data as Uint8Array | Int8Array;
  const zpIn = inQ.zeroPoint;
  return function requantize(): void {
    for (let i = 0; i < n; i++) {
      const q = multiplyByQuantizedMultiplier(x[i]! - zpIn, multiplier, shift) + zpOut;
      y[i] = q < qmin ? qmin : q > qmax ? qmax : q;
    }
  };
}

registerKernel({ op: 'QUANTIZE', dtypes: ['float32', 'uint8', 'int8'], prepare: prepareQuantize });
