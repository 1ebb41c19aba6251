import type { KernelNode } from './kernel.js';
import { invalid, requiredInput, unsupported } from './kernels/node-checks.js';
import type { RuntimeTensor } from './tensor.js';

/**
 * Operands of the shape-driven kernels (PAD, SLICE, SPLIT, reductions, resizes...): their
 * shape operands must be constants so that every shape is known at create() time, as TFLite
 * knows them at prepare time when the operands are constant. Quantization comparisons.
 */

/** The values of a constant int32 or int64 operand (axes, paddings, begin/end, sizes). */
export function constantIntegers(node: KernelNode, i: number, what: string): number[] {
  const t = requiredInput(node, i);
  // An empty operand has no bytes, so the model cannot mark it constant; it is known anyway.
  if (t.size === 0) return [];
  if (!t.isConstant) {
    throw unsupported(node, `${what} (tensor '${t.name}') is computed at run time; only constant ${what} are supported, so that output shapes are known when the model is loaded`);
  }
  if (t.dtype === 'int32') return Array.from(t.data as Int32Array);
  if (t.dtype === 'int64') return Array.from(t.data as BigInt64Array, (v) => Number(v));
  throw invalid(node, `${what} (tensor '${t.name}') must be int32 or int64, not ${t.dtype}`);
}

/** An axis in [-rank, rank) made non-negative. */
export function normalizeAxis(node: KernelNode, axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw invalid(node, `${what} ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Per-tensor scale and zero point (both 0 for unquantized tensors). */
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
    throw invalid(node, `'${a.name}' (scale ${qa.scale}, zero point ${qa.zeroPoint}) and '${b.name}' (scale ${qb.scale}, zero point ${qb.zeroPoint}) must share quantization`);
  }
}
