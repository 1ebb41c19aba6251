/**
 * Checks kernels run in prepare(): tensor presence, element types, quantization, options.
 * They throw UnsupportedOperatorError (a valid model this kernel cannot run) or
 * InvalidModelError (a model TFLite would reject too), naming the operator.
 */
import { InvalidModelError, type DType } from '../../tflite/index.js';
import { UnsupportedOperatorError } from '../errors.js';
import type { KernelNode } from '../kernel.js';
import type { RuntimeTensor } from '../tensor.js';

const typesOf = (ts: ReadonlyArray<RuntimeTensor | null>): string[] => ts.flatMap((t) => (t ? [t.dtype] : []));

export function describeNode(node: KernelNode): string {
  return `operator ${node.index} (${node.op}: ${typesOf(node.inputs).join(', ') || 'no inputs'} → ${typesOf(node.outputs).join(', ') || 'no outputs'})`;
}

export function unsupported(node: KernelNode, why: string): UnsupportedOperatorError {
  return new UnsupportedOperatorError(`${describeNode(node)} is not supported: ${why}`, {
    op: node.op,
    operatorIndex: node.index,
    inputTypes: typesOf(node.inputs),
    outputTypes: typesOf(node.outputs),
  });
}

export function invalid(node: KernelNode, why: string): InvalidModelError {
  return new InvalidModelError(`${describeNode(node)}: ${why}`);
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Input `i`, which the op requires. */
export function input(node: KernelNode, i: number): RuntimeTensor {
  const t = node.inputs[i];
  if (!t) throw invalid(node, `input ${i} is missing (the operator has ${node.inputs.length} inputs)`);
  return t;
}

export function optionalInput(node: KernelNode, i: number): RuntimeTensor | null {
  return node.inputs[i] ?? null;
}

export function output(node: KernelNode, i: number): RuntimeTensor {
  const t = node.outputs[i];
  if (!t) throw invalid(node, `output ${i} is missing (the operator has ${node.outputs.length} outputs)`);
  return t;
}

export function expectCounts(node: KernelNode, inputs: [number, number], outputs: number): void {
  const n = node.inputs.length;
  if (n < inputs[0] || n > inputs[1]) throw invalid(node, `takes ${inputs[0] === inputs[1] ? inputs[0] : `${inputs[0]} to ${inputs[1]}`} inputs, has ${n}`);
  if (node.outputs.length !== outputs) throw invalid(node, `has ${node.outputs.length} outputs, expected ${outputs}`);
}

export function expectType(node: KernelNode, t: RuntimeTensor, role: string, allowed: readonly DType[]): void {
  if (!allowed.includes(t.dtype)) throw unsupported(node, `${role} is ${t.dtype}; this kernel handles ${allowed.join(' or ')}`);
}

export function expectSameType(node: KernelNode, a: RuntimeTensor, b: RuntimeTensor, roles: string): void {
  if (a.dtype !== b.dtype) throw unsupported(node, `${roles} differ in type (${a.dtype} and ${b.dtype})`);
}

/** A per-tensor scale and zero point; throws when the tensor has none or several. */
export function perTensorQuantization(node: KernelNode, t: RuntimeTensor, role: string): { scale: number; zeroPoint: number } {
  const q = t.quantization;
  if (!q) throw unsupported(node, `${role} (${t.dtype}) has no quantization parameters`);
  if (q.scale.length !== 1) throw unsupported(node, `${role} is quantized per channel (${q.scale.length} scales); this kernel needs one scale`);
  return { scale: q.scale[0]!, zeroPoint: q.zeroPoint[0]! };
}

/** The builtin options table, checked to be of the expected class. */
export function optionsOf<T>(node: KernelNode, ctor: new (...args: never[]) => T): T {
  const o = node.options;
  if (o instanceof ctor) return o;
  if (o === null || o === undefined) return new ctor();
  throw invalid(node, `has ${(o as object).constructor.name} options, expected ${ctor.name}`);
}

export function expectShape(node: KernelNode, t: RuntimeTensor, role: string, expected: readonly number[]): void {
  if (t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
    throw invalid(node, `${role} has shape ${shapeText(t.shape)}, but the operator computes ${shapeText(expected)}`);
  }
}

export function expectRank(node: KernelNode, t: RuntimeTensor, role: string, rank: number): void {
  if (t.shape.length !== rank) throw unsupported(node, `${role} has shape ${shapeText(t.shape)}; this kernel needs rank ${rank}`);
}
