import { fb } from '../tflite/index.js';
import type { KernelNode } from './kernel.js';
import { constantIntegers } from './static-operands.js';
import { expectShape, invalid, requiredInput } from './kernels/node-checks.js';

/**
 * Where each input element of a reduction (SUM, REDUCE_MAX, REDUCE_MIN...) lands: the axes
 * come from the constant second input (negative and repeated axes allowed), the output keeps
 * them as size 1 with keep_dims or drops them. TFLite visits the input in row-major order and
 * folds each element into its output element, so folding in that order reproduces float
 * rounding exactly.
 */
export interface ReductionPlan {
  /** Output element index of each input element, in input order. */
  outputIndex: Int32Array;
  outputSize: number;
  /** How many input elements fold into each output element. */
  reducedCount: number;
}

export function planReduction(node: KernelNode): ReductionPlan {
  const input = requiredInput(node, 0);
  const output = node.outputs[0]!;
  const axisTensor = requiredInput(node, 1);
  if (axisTensor.dtype !== 'int32') throw invalid(node, `axes must be int32, not ${axisTensor.dtype}`);
  const rank = input.shape.length;
  const reduced = new Array<boolean>(rank).fill(false);
  for (const a of constantIntegers(node, 1, 'axes')) {
    if (a < -rank || a >= rank) throw invalid(node, `axis ${a} is out of range for rank ${rank}`);
    reduced[a < 0 ? a + rank : a] = true;
  }
  const keepDims = node.options instanceof fb.ReducerOptionsT ? node.options.keepDims : false;
  const outShape = keepDims ? input.shape.map((d, k) => (reduced[k] ? 1 : d)) : input.shape.filter((_, k) => !reduced[k]);
  expectShape(node, output, outShape);

  // Output stride of each input axis (0 for reduced axes).
  const outStrides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let k = rank - 1; k >= 0; k--) {
    if (reduced[k]) continue;
    outStrides[k] = s;
    s *= input.shape[k]!;
  }
  const outputIndex = new Int32Array(input.size);
  const counter = new Array<number>(rank).fill(0);
  let o = 0;
  for (let i = 0; i < input.size; i++) {
    outputIndex[i] = o;
    for (let k = rank - 1; k >= 0; k--) {
      counter[k]++;
      o += outStrides[k]!;
      if (counter[k]! < input.shape[k]!) break;
      o -= outStrides[k]! * input.shape[k]!;
      counter[k] = 0;
    }
  }
  const reducedCount = input.shape.reduce((acc, d, k) => (reduced[k] ? acc * d : acc), 1);
  return { outputIndex, outputSize: output.size, reducedCount };
}
