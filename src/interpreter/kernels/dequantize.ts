/**
 * DEQUANTIZE: uint8/int8/int16 → float32, x = (q − zp) · s rounded once to float32. Per-channel
 * parameters (constant weights) use the scale and zero point of each index along their axis.
 */
import type { KernelNode, KernelRun } from '../kernel.js';
import { registerKernel } from '../registry.js';
import { expectCounts, expectShape, expectType, invalid, requiredInput, requiredOutput, unsupported } from './node-checks.js';

function prepareDequantize(node: KernelNode): KernelRun {
  expectCounts(node, [1, 1], 1);
  const inT = requiredInput(node, 0);
  const outT = requiredOutput(node, 0);
  expectType(node, inT, ['uint8', 'int8', 'int16'], 'the input');
  expectType(node, outT, ['float32'], 'the output');
  expectShape(node, outT, inT.shape, 'the output');
  const q = inT.quantization;
  if (!q) throw unsupported(node, `the input (${inT.dtype}) has no quantization parameters`);
  const x = inT.data as Uint8Array | Int8Array | Int16Array;
  const y = outT.data as Float32Array;
  const n = inT.size;
  // Scales are float32 and |q − zp| < 2^17, so the double product is exact and one rounding remains.
  const scales = Float64Array.from(q.scale);
  const zeroPoints = Int32Array.from(q.zeroPoint);
  const channels = scales.length;
  if (channels > 1 && inT.shape[q.axis] !== channels) throw invalid(node, `${channels} scales for dimension ${q.axis} of [${inT.shape.join(', ')}]`);
  // Elements per step of the quantized dimension.
  const inner = channels > 1 ? inT.shape.slice(q.axis + 1).reduce((a, d) => a * d, 1) : n;

  return function dequantize(): void {
    if (channels === 1) {
      const s = scales[0]!;
      const zp = zeroPoints[0]!;
      for (let i = 0; i < n; i++) y[i] = (x[i]! - zp) * s;
      return;
    }
    for (let i = 0; i < n; i++) {
      const c = Math.floor(i / inner) % channels;
      y[i] = (x[i]! - zeroPoints[c]!) * scales[c]!;
    }
  };
}

registerKernel({ op: 'DEQUANTIZE', dtypes: ['uint8', 'int8', 'int16'], prepare: prepareDequantize });
