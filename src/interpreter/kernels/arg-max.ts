import { fb } from '../../tflite/index.js';
import { flushDenormal } from '../elementwise-support.js';
import { registerKernel } from '../registry.js';
import { constantIntegers, normalizeAxis } from '../static-operands.js';
import { expectShape, invalid, requiredInput, unsupported } from './node-checks.js';

/**
 * ARG_MAX: the index of the largest value along a constant axis, as int32 or int64
 * (ArgMaxOptions.output_type). Values are compared raw (quantized inputs are not dequantized),
 * scanning from index 0 and replacing only on a strictly greater value, so ties give the lowest
 * index and a NaN never wins (one at index 0 stays). float32 denormals compare as zeros (DAZ);
 * bools compare as their raw bytes.
 */
registerKernel({
  op: 'ARG_MAX',
  dtypes: ['float32', 'uint8', 'int8', 'int32', 'bool'],
  prepare(node) {
    if (node.inputs.length !== 2 || node.outputs.length !== 1) {
      throw invalid(node, `expects 2 inputs (values, axis) and 1 output`);
    }
    const input = requiredInput(node, 0);
    const output = node.outputs[0]!;
    const axes = constantIntegers(node, 1, 'axis');
    if (axes.length !== 1) throw invalid(node, `the axis operand must hold one value, it holds ${axes.length}`);
    const rank = input.shape.length;
    const axis = normalizeAxis(node, axes[0]!, rank);
    const options = node.options instanceof fb.ArgMaxOptionsT ? node.options : new fb.ArgMaxOptionsT();
    const wanted = options.outputType === fb.TensorType.INT64 ? 'int64' : options.outputType === fb.TensorType.INT32 ? 'int32' : null;
    if (!wanted) {
      throw unsupported(node, `output type ${fb.TensorType[options.outputType]} (TFLite takes INT32 or INT64)`);
    }
    if (output.dtype !== wanted) {
      throw invalid(node, `ArgMaxOptions asks for ${wanted} indices but the output tensor '${output.name}' is ${output.dtype}`);
    }
    expectShape(node, output, input.shape.filter((_, k) => k !== axis));

    const outer = input.shape.slice(0, axis).reduce((a, d) => a * d, 1);
    const count = input.shape[axis]!;
    const inner = input.shape.slice(axis + 1).reduce((a, d) => a * d, 1);
    const x = input.data as Float32Array | Uint8Array | Int8Array | Int32Array;
    // int64 indices are written as (index, 0) word pairs: no BigInt in the run.
    const bytes = output.bytes;
    const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
    const stride = wanted === 'int64' ? 2 : 1;
    const scan = input.dtype === 'float32' ? scanFloat : scanRaw;
    return () => {
      let o = 0;
      for (let a = 0; a < outer; a++) {
        const base = a * count * inner;
        for (let k = 0; k < inner; k++, o += stride) {
          words[o] = scan(x, base + k, count, inner);
          if (stride === 2) words[o + 1] = 0;
        }
      }
    };
  },
});

/** Index (0-based, along the axis) of the first largest of `count` values `step` apart from `start`. */
function scanRaw(x: Float32Array | Uint8Array | Int8Array | Int32Array, start: number, count: number, step: number): number {
  let best = 0;
  let value = x[start]!;
  for (let j = 1, i = start + step; j < count; j++, i += step) {
    if (x[i]! > value) {
      value = x[i]!;
      best = j;
    }
  }
  return best;
}

/** As scanRaw, with denormals read as zeros (the runtime's DAZ flag). */
function scanFloat(x: Float32Array | Uint8Array | Int8Array | Int32Array, start: number, count: number, step: number): number {
  let best = 0;
  let value = flushDenormal(x[start]!);
  for (let j = 1, i = start + step; j < count; j++, i += step) {
    const v = flushDenormal(x[i]!);
    if (v > value) {
      value = v;
      best = j;
    }
  }
  return best;
}
