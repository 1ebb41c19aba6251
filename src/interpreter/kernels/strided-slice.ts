import { fb, type DType } from '../../tflite/index.js';
import type { KernelNode } from '../kernel.js';
import { registerKernel } from '../registry.js';
import { constantIntegers } from '../static-operands.js';
import { StridedCopy, rawViews, stridesOf } from '../strided-copy.js';
import { expectShape, invalid, sameTypeOperands } from './node-checks.js';

const DTYPES: readonly DType[] = ['float32', 'uint8', 'int8', 'int16', 'int32', 'int64', 'bool'];
const MAX_RANK = 5;
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/** One axis of the sliced view: where it starts, its step and how many elements it takes. */
interface AxisSlice {
  start: number;
  stride: number;
  count: number;
  /** Size of this axis in the effective input (1 for a new axis). */
  size: number;
  /** Axis of the real input it walks, or -1 for a new axis. */
  inputAxis: number;
  shrink: boolean;
}

/**
 * Expands the sparse slice spec (begin/end/strides with ellipsis and new-axis bits) into
 * one slice per axis of the input with the new axes inserted, as TFLite's strided_slice.cc
 * does: the ellipsis stands for as many full axes as the spec leaves out, a new axis is a
 * size-1 axis taken whole, and axes past the spec are taken whole.
 */
function denseSlices(node: KernelNode, inputShape: readonly number[], begin: number[], end: number[], strides: number[], o: fb.StridedSliceOptionsT): AxisSlice[] {
  const specCount = begin.length;
  const rank = inputShape.length;
  let addedAxes = 0;
  for (let i = 0; i < specCount; i++) {
    if (!(o.ellipsisMask & (1 << i)) && o.newAxisMask & (1 << i)) addedAxes++;
  }
  const dims = rank + addedAxes;
  // Which effective axes the ellipsis covers, and which are new axes.
  let ellipsisAxes = 0;
  let newAxes = 0;
  let ellipsisStart = dims;
  let expanded = 0;
  for (let i = 0; i < dims; ) {
    if (o.ellipsisMask & (1 << i)) {
      ellipsisStart = i;
      const ellipsisEnd = Math.max(i + 1, Math.min(i + 1 + addedAxes + rank - specCount, dims));
      expanded = ellipsisEnd - ellipsisStart - 1;
      for (; i < ellipsisEnd; i++) ellipsisAxes |= 1 << i;
      continue;
    }
    if (o.newAxisMask & (1 << (i - expanded))) newAxes |= 1 << i;
    i++;
  }

  const slices: AxisSlice[] = [];
  let addedEllipsis = 0;
  let inserted = 0;
  for (let i = 0; i < dims; i++) {
    let b = 0;
    let e = 0;
    let s = 1;
    let beginMasked = false;
    let endMasked = false;
    let shrink = false;
    let size: number;
    let inputAxis: number;
    if (ellipsisAxes & (1 << i)) {
      addedEllipsis = Math.max(0, i - ellipsisStart);
      beginMasked = endMasked = true;
      inputAxis = i - inserted;
      size = inputShape[inputAxis]!;
    } else if (newAxes & (1 << i)) {
      e = 1;
      inputAxis = -1;
      size = 1;
      inserted++;
    } else if (i >= specCount + expanded) {
      beginMasked = endMasked = true;
      inputAxis = i - inserted;
      size = inputShape[inputAxis]!;
    } else {
      const k = i - addedEllipsis;
      b = begin[k]!;
      e = o.offset ? begin[k]! + end[k]! : end[k]!;
      s = strides[k]!;
      beginMasked = (o.beginMask & (1 << k)) !== 0;
      endMasked = (o.endMask & (1 << k)) !== 0;
      shrink = (o.shrinkAxisMask & (1 << k)) !== 0;
      inputAxis = i - inserted;
      size = inputShape[inputAxis]!;
    }
    if (inputAxis >= rank) throw invalid(node, `the slice spec addresses more axes than the input's ${rank}`);
    if (s === 0) throw invalid(node, `stride ${i} is zero`);
    const start = startForAxis(b, s, size, beginMasked);
    if (shrink && (start < 0 || start >= size)) {
      // TFLite would read outside the tensor here.
      throw invalid(node, `axis ${i} is shrunk at index ${b}, outside its size ${size}`);
    }
    // A shrunk axis takes the one element at `start` whatever the stride's sign (as TensorFlow
    // does; TFLite 2.9 leaves the output unwritten when that stride is negative).
    const stop = shrink ? start + 1 : stopForAxis(e, s, size, endMasked);
    const count = shrink ? 1 : size === 0 ? 0 : Math.max(0, Math.ceil((stop - start) / s));
    slices.push({ start, stride: s, count, size, inputAxis, shrink });
  }
  return slices;
}

function clamp(v: number, lo: number, hi: number): number {
  return v > hi ? hi : v < lo ? lo : v;
}

/** First index read on an axis: masked = from the end the stride walks from; negatives count from the back. */
function startForAxis(begin: number, stride: number, size: number, masked: boolean): number {
  if (size === 0) return 0;
  let start = masked ? (stride > 0 ? INT_MIN : INT_MAX) : begin;
  if (start < 0) start += size;
  return stride > 0 ? clamp(start, 0, size) : clamp(start, -1, size - 1);
}

/** One past the last index read (in the stride's direction). */
function stopForAxis(end: number, stride: number, size: number, masked: boolean): number {
  if (size === 0) return 0;
  let stop = masked ? (stride > 0 ? INT_MAX : INT_MIN) : end;
  if (stop < 0) stop += size;
  return stride > 0 ? clamp(stop, 0, size) : clamp(stop, -1, size - 1);
}

/**
 * STRIDED_SLICE with begin/end/ellipsis/new-axis/shrink-axis masks, negative indices and
 * strides, and the `offset` option (end counts from begin). Data is copied as it is.
 */
registerKernel({
  op: 'STRIDED_SLICE',
  dtypes: DTYPES,
  prepare(node) {
    const { input, output } = sameTypeOperands(node, 4, DTYPES);
    if (input.shape.length > MAX_RANK) throw invalid(node, `input has rank ${input.shape.length}; at most ${MAX_RANK} is supported`);
    const options = node.options instanceof fb.StridedSliceOptionsT ? node.options : new fb.StridedSliceOptionsT();
    const begin = constantIntegers(node, 1, 'begin');
    const end = constantIntegers(node, 2, 'end');
    const strides = constantIntegers(node, 3, 'strides');
    if (end.length !== begin.length || strides.length !== begin.length) {
      throw invalid(node, `begin, end and strides must have the same length (${begin.length}, ${end.length}, ${strides.length})`);
    }
    const slices = denseSlices(node, input.shape, begin, end, strides, options);
    if (slices.length > MAX_RANK) throw invalid(node, `the slice has ${slices.length} axes; at most ${MAX_RANK} are supported`);
    expectShape(node, output, slices.filter((a) => !a.shrink).map((a) => a.count));

    const inStrides = stridesOf(input.shape);
    let offset = 0;
    const srcStrides: number[] = [];
    for (const a of slices) {
      const step = a.inputAxis < 0 ? 0 : inStrides[a.inputAxis]!;
      if (a.count > 0) offset += a.start * step;
      srcStrides.push(a.stride * step);
    }
    const shape = slices.map((a) => a.count);
    const [src, dst] = rawViews([input, output]);
    const copy = new StridedCopy(shape, srcStrides, stridesOf(shape), src!.wordsPerElement);
    return () => copy.run(src!.words, offset, dst!.words, 0, src!.wordsPerElement);
  },
});
