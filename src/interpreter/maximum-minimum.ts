import type { DType } from '../tflite/index.js';
import type { BroadcastPlan } from './broadcast.js';
import { broadcastOperands, flushDenormal } from './elementwise-support.js';
import { registerKernel } from './registry.js';

type NumericArray = Float32Array | Int32Array | Int16Array | Uint8Array | Int8Array;

const DTYPES: readonly DType[] = ['float32', 'int32', 'int16', 'uint8', 'int8'];

/** TFLite 2.9's MaximumMinimumBroadcastSlow handles up to 5-D. */
const MAX_BROADCAST_RANK = 5;

/**
 * MAXIMUM and MINIMUM compare raw element values (quantized tensors are not rescaled: TFLite
 * expects inputs and output to share quantization) with broadcasting. The comparison is
 * TFLite's `a > b ? a : b` (`a < b ? a : b`), so a NaN in b wins and a NaN in a loses.
 */
export function registerMaximumMinimum(op: 'MAXIMUM' | 'MINIMUM'): void {
  registerKernel({
    op,
    dtypes: DTYPES,
    prepare(node) {
      const { a, b, output: out, plan } = broadcastOperands(node, MAX_BROADCAST_RANK);
      const { rows, inner, aStep, bStep, aOffsets, bOffsets } = plan;
      if (a.dtype === 'float32') return floatRun(op, a.data as Float32Array, b.data as Float32Array, out.data as Float32Array, plan);
      const x = a.data as NumericArray;
      const y = b.data as NumericArray;
      const o = out.data as NumericArray;
      if (op === 'MAXIMUM') {
        return () => {
          let n = 0;
          for (let r = 0; r < rows; r++) {
            let i = aOffsets[r]!;
            let j = bOffsets[r]!;
            for (let k = 0; k < inner; k++, i += aStep, j += bStep) {
              const u = x[i]!;
              const v = y[j]!;
              o[n++] = u > v ? u : v;
            }
          }
        };
      }
      return () => {
        let n = 0;
        for (let r = 0; r < rows; r++) {
          let i = aOffsets[r]!;
          let j = bOffsets[r]!;
          for (let k = 0; k < inner; k++, i += aStep, j += bStep) {
            const u = x[i]!;
            const v = y[j]!;
            o[n++] = u < v ? u : v;
          }
        }
      };
    },
  });
}

const bitsOf = (f: Float32Array): Uint32Array => new Uint32Array(f.buffer, f.byteOffset, f.length);

/**
 * float32: the comparison sees denormals as zeros (the runtime's DAZ flag) and the chosen
 * element is copied bit for bit (NaN payloads, signalling NaNs included), except that a
 * chosen denormal comes out as the zero it was compared as.
 */
function floatRun(op: 'MAXIMUM' | 'MINIMUM', x: Float32Array, y: Float32Array, o: Float32Array, plan: BroadcastPlan): () => void {
  const { rows, inner, aStep, bStep, aOffsets, bOffsets } = plan;
  const xb = bitsOf(x);
  const yb = bitsOf(y);
  const ob = bitsOf(o);
  const max = op === 'MAXIMUM';
  return () => {
    let n = 0;
    for (let r = 0; r < rows; r++) {
      let i = aOffsets[r]!;
      let j = bOffsets[r]!;
      for (let k = 0; k < inner; k++, i += aStep, j += bStep) {
        const u = flushDenormal(x[i]!);
        const v = flushDenormal(y[j]!);
        const bits = (max ? u > v : u < v) ? xb[i]! : yb[j]!;
        ob[n++] = (bits & 0x7f800000) === 0 ? bits & 0x80000000 : bits;
      }
    }
  };
}
