import { InvalidModelError, type DType } from '../tflite/index.js';
import { UnsupportedOperatorError } from './errors.js';
import type { KernelNode } from './kernel.js';
import type { RuntimeTensor } from './tensor.js';

/**
 * Checks shared by the shape-driven kernels (PAD, SLICE, SPLIT, reductions, resizes...):
 * their shape operands must be constants so that every shape is known at create() time,
 * as TFLite knows them at prepare time when the operands are constant.
 */

export function describeNode(node: KernelNode): string {
  return `operator ${node.index} (${node.op})`;
}

/** An UnsupportedOperatorError about this node (a valid model this kernel cannot run). */
export function unsupportedNode(node: KernelNode, why: string): UnsupportedOperatorError {
  return new UnsupportedOperatorError(`${describeNode(node)}: ${why}`, {
    op: node.op,
    operatorIndex: node.index,
    inputTypes: node.inputs.flatMap((t) => (t ? [t.dtype] : [])),
    outputTypes: node.outputs.map((t) => t.dtype),
  });
}

/** The input, which the model must provide. */
export function requiredInput(node: KernelNode, i: number): RuntimeTensor {
  const t = node.inputs[i];
  if (!t) throw new InvalidModelError(`${describeNode(node)}: input ${i} is missing`);
  return t;
}

export function expectCounts(node: KernelNode, inputs: number | readonly number[], outputs: number): void {
  const ins = typeof inputs === 'number' ? [inputs] : inputs;
  if (!ins.includes(node.inputs.length)) {
    throw new InvalidModelError(`${describeNode(node)}: expects ${ins.join(' or ')} inputs, the model gives ${node.inputs.length}`);
  }
  if (node.outputs.length !== outputs) {
    throw new InvalidModelError(`${describeNode(node)}: expects ${outputs} outputs, the model gives ${node.outputs.length}`);
  }
}

export function expectDtype(node: KernelNode, t: RuntimeTensor, allowed: readonly DType[], what: string): void {
  if (!allowed.includes(t.dtype)) {
    throw unsupportedNode(node, `${what} '${t.name}' is ${t.dtype}; supported: ${allowed.join(', ')}`);
  }
}

export function expectSameDtype(node: KernelNode, a: RuntimeTensor, b: RuntimeTensor): void {
  if (a.dtype !== b.dtype) {
    throw new InvalidModelError(`${describeNode(node)}: '${a.name}' is ${a.dtype} but '${b.name}' is ${b.dtype}; they must match`);
  }
}

/** The values of a constant int32 or int64 operand (axes, paddings, begin/end, sizes). */
export function constantIntegers(node: KernelNode, i: number, what: string): number[] {
  const t = requiredInput(node, i);
  // An empty operand has no bytes, so the model cannot mark it constant; it is known anyway.
  if (t.size === 0) return [];
  if (!t.isConstant) {
    throw unsupportedNode(node, `${what} (tensor '${t.name}') is computed at run time; only constant ${what} are supported, so that output shapes are known when the model is loaded`);
  }
  if (t.dtype === 'int32') return Array.from(t.data as Int32Array);
  if (t.dtype === 'int64') return Array.from(t.data as BigInt64Array, (v) => Number(v));
  throw new InvalidModelError(`${describeNode(node)}: ${what} (tensor '${t.name}') must be int32 or int64, not ${t.dtype}`);
}

/** Throws unless the model's output shape is the one the operator computes. */
export function expectShape(node: KernelNode, t: RuntimeTensor, shape: readonly number[]): void {
  if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
    throw new InvalidModelError(
      `${describeNode(node)}: tensor '${t.name}' has shape [${t.shape.join(', ')}], but the operator computes [${shape.join(', ')}]`,
    );
  }
}

/** An axis in [-rank, rank) made non-negative. */
export function normalizeAxis(node: KernelNode, axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new InvalidModelError(`${describeNode(node)}: ${what} ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Per-tensor scale and zero point (0 and 1 for unquantized tensors). */
export function scaleAndZeroPoint(t: RuntimeTensor): { scale: number; zeroPoint: number } {
  const q = t.quantization;
  return q ? { scale: q.scale[0]!, zeroPoint: q.zeroPoint[0]! } : { scale: 0, zeroPoint: 0 };
}

/** True when both tensors carry the same per-tensor scale (as float32) and zero point. */
export function sameQuantization(a: RuntimeTensor, b: RuntimeTensor): boolean {
  const qa = scaleAndZeroPoint(a);
  const qb = scaleAndZeroPoint(b);
  return qa.scale === qb.scale && qa.zeroPoint === qb.zeroPoint;
}

/** Throws unless both tensors have the same per-tensor quantization (TFLite checks this at prepare). */
export function expectSameQuantization(node: KernelNode, a: RuntimeTensor, b: RuntimeTensor): void {
  if (!sameQuantization(a, b)) {
    const qa = scaleAndZeroPoint(a);
    const qb = scaleAndZeroPoint(b);
    throw new InvalidModelError(
      `${describeNode(node)}: '${a.name}' (scale ${qa.scale}, zero point ${qa.zeroPoint}) and '${b.name}' (scale ${qb.scale}, zero point ${qb.zeroPoint}) must share quantization`,
    );
  }
}
