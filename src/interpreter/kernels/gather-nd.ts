import { type DType } from '../../tflite/index.js';
import { InvalidInputError } from '../errors.js';
import { registerKernel } from '../registry.js';
import { rawViews, stridesOf } from '../strided-copy.js';
import { describeNode, expectCounts, expectSameType, expectShape, expectType, invalid, requiredInput } from './node-checks.js';

const DTYPES: readonly DType[] = ['float32', 'uint8', 'int8', 'int16', 'int32', 'int64'];

/**
 * GATHER_ND: each index vector (the last axis of `indices`, length k) picks the slice
 * params[i0, ..., ik−1, :, ...]; the output is indices.shape[:-1] + params.shape[k:].
 * Indices are read at run time, so an index out of range throws then.
 */
registerKernel({
  op: 'GATHER_ND',
  dtypes: DTYPES,
  prepare(node) {
    expectCounts(node, 2, 1);
    const params = requiredInput(node, 0);
    const indices = requiredInput(node, 1);
    const output = node.outputs[0]!;
    expectType(node, params, DTYPES, `params '${params.name}'`);
    expectType(node, indices, ['int32', 'int64'], `indices '${indices.name}'`);
    expectSameType(node, params, output);
    if (params.shape.length < 1 || indices.shape.length < 1) throw invalid(node, `params and indices must have rank ≥ 1`);
    const k = indices.shape[indices.shape.length - 1]!;
    if (k > params.shape.length) {
      throw invalid(node, `index vectors of length ${k} are longer than the params rank ${params.shape.length}`);
    }
    const outShape = [...indices.shape.slice(0, -1), ...params.shape.slice(k)];
    expectShape(node, output, outShape);
    const [src, dst] = rawViews([params, output]);
    const wpe = src!.wordsPerElement;
    const sliceWords = params.shape.slice(k).reduce((a, d) => a * d, 1) * wpe;
    const paramStrides = Int32Array.from(stridesOf(params.shape).slice(0, k), (s) => s * wpe);
    const dims = Int32Array.from(params.shape.slice(0, k));
    const count = k === 0 ? indices.size : indices.size / k;
    // int64 indices are read as (low, high) Int32 pairs: reading a BigInt64Array would allocate.
    const wide = indices.dtype === 'int64';
    const index32 = new Int32Array(indices.bytes.buffer, indices.bytes.byteOffset, indices.bytes.byteLength >> 2);
    return () => {
      const from = src!.words;
      const to = dst!.words;
      for (let n = 0; n < count; n++) {
        let base = 0;
        for (let j = 0; j < k; j++) {
          const p = n * k + j;
          const i = wide ? index32[2 * p + 1]! * 4294967296 + (index32[2 * p]! >>> 0) : index32[p]!;
          if (i < 0 || i >= dims[j]!) {
            throw new InvalidInputError(`${describeNode(node)}: index ${i} at position ${p} of '${indices.name}' is out of range [0, ${dims[j]})`);
          }
          base += i * paramStrides[j]!;
        }
        const out = n * sliceWords;
        for (let w = 0; w < sliceWords; w++) to[out + w] = from[base + w]!;
      }
    };
  },
});
